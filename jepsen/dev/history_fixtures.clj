;; Writes the history fixtures under check/src/test/resources/jepsen/ in the exact shape
;; Jepsen 0.3.11 gives store/<test>/<time>/history.edn, without Jepsen itself (which cannot be
;; fetched on the build machines): it runs on a bare Clojure jar.
;;
;;   java -cp ~/.m2/repository/org/clojure/clojure/1.12.4/clojure-1.12.4.jar:<spec.alpha>:<core.specs.alpha> \
;;        clojure.main jepsen/dev/history_fixtures.clj check/src/test/resources/jepsen
;;
;; What it mirrors of Jepsen 0.3.11 (see jepsen/README.md, "What history.edn looks like"):
;; - ops are jepsen.history.Op records (fields index time type process f value, then extra keys)
;;   built by the generator; jepsen.store/write-history! prints each with prn, and jepsen.history
;;   defines print-method for Op as (str (into {} op)): a plain map, no #jepsen.history.Op tag;
;; - independent [k v] tuples are clojure.lang.MapEntry, which print as vectors;
;; - a client op that throws becomes :info with :exception (datafy e) and
;;   :error "indeterminate: <message>", and its worker gets a new process (p + thread count);
;; - nemesis ops have :process :nemesis and :type :info both ways; the combined nemesis's
;;   partitioner completes :start-partition with [:isolated grudge] and :stop-partition with
;;   :network-healed; kill/start/pause/resume complete with {node result}; clock ops with
;;   :clock-offsets {node seconds}.
;; The workload is simulated by a linearizable register/set whose ops take effect at their
;; completion (or, for :info ones, maybe never), so the register history is linearizable and the
;; set's final reads hold every :ok add.
(ns jepsen.history)

(defrecord Op [index time type process f value])

(defmethod print-method Op [op ^java.io.Writer w]
  (.write w (str (into {} op))))

(ns tempokv.dev.history-fixtures
  (:require [clojure.datafy :refer [datafy]]
            [clojure.java.io :as io])
  (:import (jepsen.history Op)
           (java.util Random)
           (java.util.function Function)))

(def nodes ["n1" "n2" "n3" "n4" "n5"])

(defn op [m] (jepsen.history/map->Op m))

(defn thrown
  "A real exception thrown through a JDK lambda, so its trace has a hidden-class frame
  (Comparator$$Lambda/0x...), as client code calling CompletableFuture callbacks produces."
  []
  (try (.compare (java.util.Comparator/comparing
                   (reify Function
                     (apply [_ x]
                       (throw (java.util.concurrent.CompletionException.
                                (java.io.IOException. "connection reset by peer"))))))
                 1 2)
       (catch Exception e e)))

(defn nemesis-schedule
  "[invoke-value completion-value f] for the nemesis, in order."
  [faults]
  (let [grudge {"n1" #{"n4" "n5"}, "n2" #{"n4" "n5"}, "n3" #{"n4" "n5"},
                "n4" #{"n1" "n2" "n3"}, "n5" #{"n1" "n2" "n3"}}]
    (cond-> []
      (faults :partition) (into [[:start-partition :majority [:isolated grudge] {}]
                                 [:stop-partition nil :network-healed {}]])
      (faults :kill)      (into [[:kill :one {"n3" :killed} {}]
                                 [:start :all (zipmap nodes (repeat :started)) {}]])
      (faults :pause)     (into [[:pause :minority {"n2" :paused, "n5" :paused} {}]
                                 [:resume :all (zipmap nodes (repeat :resumed)) {}]])
      ; jepsen.nemesis.time/clock-nemesis keeps the op's :value and adds :clock-offsets.
      (faults :clock)     (into [[:bump-clock {"n1" 2301, "n4" -17894} {"n1" 2301, "n4" -17894}
                                  {:clock-offsets {"n1" 2.301, "n4" -17.894}}]
                                 [:reset-clock nodes nodes
                                  {:clock-offsets (zipmap nodes (repeat 0.0))}]]))))

(defn simulate
  "Runs a simulated test; (invoke rng state thread) -> [f value], (complete rng state f value)
  -> [state' type value' extra]. Returns {:history [Op ...], :state, :procs, :time}."
  [{:keys [seed threads steps invoke complete init faults]}]
  (let [rng     (Random. seed)
        nem     (nemesis-schedule faults)]
    (loop [i 0, t 0, state init, pending {}, procs (vec (range threads)), nem nem, nem-open nil,
           hist []]
      (let [t       (+ t 1000000 (.nextInt rng 40000000))
            idx     (count hist)
            nem-due (and (seq nem) (zero? (mod i 23)) (pos? i))]
        (cond
          ; Done: complete what is open, then stop.
          (>= i steps)
          (if-let [[thread pend] (first pending)]
            (let [[state' type v extra] (complete rng state (:f pend) (:value pend) true)]
              (recur i t state' (dissoc pending thread)
                   (if (= :info type) (update procs thread + threads) procs)
                   nem nem-open
                   (conj hist (merge (op (assoc pend :index idx :time t :type type :value v))
                                     extra))))
            {:history hist, :state state, :procs procs, :time t})

          ; The nemesis: invoke, then complete on the next turn.
          nem-open
          (let [[f _ cv extra] nem-open]
            (recur (inc i) t state pending procs nem nil
                   (conj hist (merge (op {:index idx :time t :type :info :process :nemesis
                                          :f f :value cv}) extra))))

          nem-due
          (let [[f iv :as n] (first nem)]
            (recur (inc i) t state pending procs (rest nem) n
                   (conj hist (op {:index idx :time t :type :info :process :nemesis :f f :value iv}))))

          :else
          (let [thread (.nextInt rng threads)]
            (if-let [pend (pending thread)]
              (let [[state' type v extra] (complete rng state (:f pend) (:value pend) false)
                    done (merge (op (assoc pend :index idx :time t :type type :value v)) extra)]
                (recur (inc i) t state' (dissoc pending thread)
                       (if (= :info type) (update procs thread + threads) procs)
                       nem nem-open (conj hist done)))
              (let [[f v] (invoke rng state thread)
                    inv (op {:index idx :time t :type :invoke :process (procs thread) :f f :value v})]
                (recur (inc i) t state (assoc pending thread inv) procs nem nem-open
                       (conj hist inv))))))))))

;; Register over independent keys: two threads per key, as independent/concurrent-generator
;; splits them; keys advance every 40 ops per group.

(defn tuple [k v] (clojure.lang.MapEntry. k v))

(defn register-invoke [rng state thread]
  (let [k (+ (* 10 (quot (:step state 0) 40)) (quot thread 2))
        r (.nextInt rng 10)]
    (cond (< r 4) [:read (tuple k nil)]
          (< r 7) [:write (tuple k (.nextInt rng 5))]
          :else   [:cas (tuple k [(.nextInt rng 5) (.nextInt rng 5)])])))

(defn register-complete [rng state f [k v] final?]
  (let [state (update state :step (fnil inc 0))
        cur   (get-in state [:regs k])
        roll  (.nextInt rng 100)]
    (cond
      ; Never sent: surely did not happen.
      (< roll 4)
      [state :fail (tuple k v) {:error [:no-endpoint "no endpoint reachable: n1:7400, n2:7400"]}]

      ; Timed out: maybe happened (reads: reported :fail, since they change nothing).
      (< roll 9)
      (if (= f :read)
        [state :fail (tuple k nil) {:error :timeout}]
        (let [happened? (.nextBoolean rng)
              state' (cond (not happened?) state
                           (= f :write) (assoc-in state [:regs k] v)
                           (= cur (first v)) (assoc-in state [:regs k] (second v))
                           :else state)]
          [state' :info (tuple k v) {:error :timeout}]))

      ; The client threw something it does not know: Jepsen's interpreter records :info.
      (and (<= 9 roll 11) (not= f :read))
      (let [e (thrown)]
        [state :info (tuple k v) {:exception (datafy e)
                                  :error (str "indeterminate: " (.getMessage (.getCause e)))}])

      :else
      (case f
        :read  [state :ok (tuple k cur) {}]
        :write [(assoc-in state [:regs k] v) :ok (tuple k v) {}]
        :cas   (if (= cur (first v))
                 [(assoc-in state [:regs k] (second v)) :ok (tuple k v) {}]
                 [state :fail (tuple k v) {:error [:cas-mismatch cur]}])))))

;; Set: unique integer adds, then a final read from every thread.

(def next-element (atom -1))

(defn set-invoke [rng state thread]
  [:add (swap! next-element inc)])

(defn set-complete [rng state f v final?]
  (let [roll (.nextInt rng 100)]
    (cond (< roll 4)  [state :fail v {:error [:no-endpoint "no endpoint reachable"]}]
          (< roll 10) [(if (.nextBoolean rng) (update state :elements conj v) state)
                       :info v {:error :timeout}]
          :else       [(update state :elements conj v) :ok v {}])))

(defn write-history! [file hist]
  (with-open [w (io/writer file)]
    (binding [*out* w]
      (doseq [o hist] (prn o))))
  (println "wrote" file (count hist) "ops"))

;; The final reads: every thread reads once all adds are done (set-full style).
(defn set-history []
  (let [{:keys [history state procs time]}
        (simulate {:seed 8 :threads 5 :steps 240 :init {:elements #{}}
                   :invoke set-invoke :complete set-complete
                   :faults #{:partition :kill}})
        read (into (sorted-set) (:elements state))]
    (reduce (fn [hist [thread p]]
              (let [t (+ time (* 2000000 (inc thread)))]
                (conj hist
                      (op {:index (count hist) :time t :type :invoke :process p :f :read
                           :value nil})
                      (op {:index (inc (count hist)) :time (+ t 1500000) :type :ok :process p
                           :f :read :value read}))))
            history
            (map-indexed vector procs))))

(let [dir (first *command-line-args*)]
  (.mkdirs (io/file dir))
  (write-history! (io/file dir "register-independent.edn")
                  (:history (simulate {:seed 42 :threads 6 :steps 420 :init {}
                                       :invoke register-invoke :complete register-complete
                                       :faults #{:partition :kill :pause :clock}})))
  (write-history! (io/file dir "set.edn") (set-history)))
