(ns tempokv.set
  "A grow-only set: adds of unique integers during the test, then, once the nemesis has healed
  everything, one final read of the whole set. Element e is the key \"jepsen-set-e\", so an
  add is one put and the set is never rewritten as a whole: what this finds is acknowledged
  adds that went missing (lost), adds reported failed that show up anyway (unexpected), and
  adds that take long to become visible. Checked by Jepsen's set-full checker.

  The adds are a lazy sequence of ops with values 0, 1, 2, ...: a generator without side
  effects, as Jepsen 0.3 requires (it may ask a generator for ops it then discards). The
  clients record the highest element they were asked to add; the final read gets every
  element from 0 up to it (a bounded number at a time, each asked again while its outcome is
  unknown, for up to read-all-ms) and returns the present ones as a sorted set. It is a
  snapshot only because nothing writes during the final phase. One read, not one per worker:
  each is thousands of gets."
  (:require [jepsen [checker :as checker]
                    [client :as client]
                    [generator :as gen]]
            [tempokv.client :as tc])
  (:import (java.util Optional)
           (java.util.concurrent CompletableFuture)))

(defn store-key
  [e]
  (str "jepsen-set-" e))

(def read-window
  "Gets in flight at a time in the final read: all of them at once (thousands after a 300 s
  run) timed out together on a cluster that had just restarted."
  64)

(def read-all-ms
  "How long the final read may take in all. Each get is retried until then (a read changes
  nothing), so a read that completes shows the cluster serving again; one that does not is
  :fail, and the run is :unknown (tempokv.checker/final-reads)."
  120000)

(defn- present?
  "Whether element e is in the set: awaits fut, the first get of its key, and asks again
  while the outcome is unknown and the deadline (System/nanoTime) has not passed (as
  tempokv.client/patiently, but the first get is already in flight)."
  [^io.tempokv.client.TempoClient conn e fut deadline]
  (loop [fut fut]
    (let [r (try (.isPresent ^Optional (tc/await! fut))
                 (catch InterruptedException ex (throw ex))
                 (catch Exception ex
                   (if (< (System/nanoTime) deadline) ::again (throw ex))))]
      (if (= ::again r)
        (recur (.get conn (store-key e)))
        r))))

(defn read-all!
  "Reads elements 0..(max-element - 1), read-window gets in flight at a time, each asked
  again until read-all-ms has passed; a sorted set of those present."
  [conn max-element]
  (let [deadline (+ (System/nanoTime) (* 1000000 read-all-ms))]
    (reduce (fn [present chunk]
              (let [futs (mapv (fn [e] [e (.get ^io.tempokv.client.TempoClient conn (store-key e))]) chunk)]
                (reduce (fn [p [e fut]] (if (present? conn e fut deadline) (conj p e) p))
                        present futs)))
            (sorted-set)
            (partition-all read-window (range max-element)))))

(defrecord Client [conn max-element]
  client/Client
  (open! [this test node]
    (assoc this :conn (tc/connect test node)))

  (setup! [this test])

  (invoke! [this test op]
    (tc/with-errors op
      (case (:f op)
        :add  (do (swap! max-element max (:value op))
                  (tc/put! conn (store-key (:value op)) "1")
                  (assoc op :type :ok))
        :read (assoc op :type :ok, :value (read-all! conn (inc @max-element))))))

  (teardown! [this test])

  (close! [this test]
    (tc/close! conn)))

(defn adds
  "Adds of 0, 1, 2, ...: a lazy sequence of op maps, each emitted once."
  []
  (map (fn [e] {:type :invoke, :f :add, :value e}) (range)))

(defn workload
  "Adds of 0, 1, 2, ...; the final read looks at every element up to the highest one an add
  was invoked with."
  [opts]
  (let [max-element (atom -1)]
    {:client          (Client. nil max-element)
     :generator       (adds)
     :final-generator (gen/once {:type :invoke, :f :read, :value nil, :final? true})
     ; The timeline of the whole history is drawn by tempokv.core's checker.
     :checker         (checker/set-full {:linearizable? true})}))
