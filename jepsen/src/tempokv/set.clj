(ns tempokv.set
  "A grow-only set: adds of unique integers during the test, then, once the nemesis has healed
  everything, one final read from every worker. Element e is the key \"jepsen-set-e\", so an
  add is one put and the set is never rewritten as a whole: what this finds is acknowledged
  adds that went missing (lost), adds reported failed that show up anyway (unexpected), and
  adds that take long to become visible. Checked by Jepsen's set-full checker.

  The adds are a lazy sequence of ops with values 0, 1, 2, ...: a generator without side
  effects, as Jepsen 0.3 requires (it may ask a generator for ops it then discards). The
  clients record the highest element they were asked to add; the final read gets every
  element from 0 up to it and returns the present ones as a sorted set. It is a snapshot only
  because nothing writes during the final phase."
  (:require [jepsen [checker :as checker]
                    [client :as client]
                    [generator :as gen]]
            [tempokv.client :as tc])
  (:import (java.util Optional)
           (java.util.concurrent CompletableFuture)))

(defn store-key
  [e]
  (str "jepsen-set-" e))

(defn read-all!
  "Reads elements 0..(max-element - 1) with pipelined gets; a sorted set of those present."
  [conn max-element]
  (let [futures (mapv (fn [e] [e (.get ^io.tempokv.client.TempoClient conn (store-key e))])
                      (range max-element))]
    (into (sorted-set)
          (keep (fn [[e fut]]
                  (let [^Optional v (tc/await! fut)]
                    (when (.isPresent v) e))))
          futures)))

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
  "Adds of 0, 1, 2, ...; the clients' final reads look at every element up to the highest
  one an add was invoked with."
  [opts]
  (let [max-element (atom -1)]
    {:client          (Client. nil max-element)
     :generator       (adds)
     :final-generator (gen/each-thread {:type :invoke, :f :read, :value nil, :final? true})
     ; The timeline of the whole history is drawn by tempokv.core's checker.
     :checker         (checker/set-full {:linearizable? true})}))
