(ns tempokv.register
  "Linearizable compare-and-set registers, one per key: reads, writes and cas on many
  independent keys at once, checked key by key by Knossos against a cas-register model.

  Op values are jepsen.independent tuples [k v]; key k is stored under \"jepsen-register-k\"
  and register values (small integers) are stored as their decimal text.

  After the heal and the recovery wait, every key the clients were asked about is read once
  more (the final reads, each asking again for up to tempokv.client/final-read-ms while the
  outcome is unknown), so each key's history ends with a read of the recovered cluster."
  (:require [jepsen [checker :as checker]
                    [client :as client]
                    [generator :as gen]
                    [independent :as independent]]
            [jepsen.checker.timeline :as timeline]
            [knossos.model :as model]
            [tempokv.client :as tc]))

(defn store-key
  [k]
  (str "jepsen-register-" k))

(defrecord Client [conn keys-used]
  client/Client
  (open! [this test node]
    (assoc this :conn (tc/connect test node)))

  (setup! [this test])

  (invoke! [this test op]
    (let [[k v] (:value op)
          key   (store-key k)]
      (swap! keys-used conj k)
      (tc/with-errors op
        (case (:f op)
          :read  (let [value (tc/parse-long-or-nil
                               (if (:final? op)
                                 (tc/patiently #(tc/get! conn key))
                                 (tc/get! conn key)))]
                   (assoc op :type :ok, :value (independent/tuple k value)))

          :write (do (tc/put! conn key (str v))
                     (assoc op :type :ok))

          :cas   (let [[expected new] v
                       r (tc/cas! conn key (str expected) (str new))]
                   (if (.applied r)
                     (assoc op :type :ok)
                     (assoc op :type :fail
                               :error [:cas-mismatch (tc/parse-long-or-nil (.current r))])))))))

  (teardown! [this test])

  (close! [this test]
    (tc/close! conn)))

(defn r   [_ _] {:type :invoke, :f :read, :value nil})
(defn w   [_ _] {:type :invoke, :f :write, :value (rand-int 5)})
(defn cas [_ _] {:type :invoke, :f :cas, :value [(rand-int 5) (rand-int 5)]})

(defn workload
  "Options: :concurrency (a multiple of :threads-per-key), :threads-per-key (default 2),
  :ops-per-key (default 50)."
  [opts]
  (let [per-key   (:threads-per-key opts 2)
        keys-used (atom (sorted-set))]
    {:client    (Client. nil keys-used)
     :generator (independent/concurrent-generator
                  per-key
                  (range)
                  (fn [k]
                    (->> (gen/mix [r w cas])
                         (gen/limit (:ops-per-key opts 50)))))
     ; A delay is evaluated when the final phase asks it for its first op, once every
     ; earlier op has completed, so keys-used is complete by then.
     :final-generator (delay
                        (map (fn [k] {:type :invoke, :f :read, :value (independent/tuple k nil),
                                      :final? true})
                             @keys-used))
     ; Knossos's linear algorithm, as the Jepsen suites do for registers; Knossos treats a
     ; nil read as "unknown", which is also how tempokv reports an absent key.
     :checker   (independent/checker
                  (checker/compose
                    {:linearizable (checker/linearizable
                                     {:model     (model/cas-register)
                                      :algorithm :linear})
                     :timeline     (timeline/html)}))}))
