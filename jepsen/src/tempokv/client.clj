(ns tempokv.client
  "Talks to tempokv through its Java client, io.tempokv.client.TempoClient.

  Every TempoClient call returns a CompletableFuture. How its outcome becomes a Jepsen
  completion:

    result                          :ok
    RequestRejectedException        :fail  the node refused it: surely not applied
    NoEndpointReachableException    :fail  never sent: surely not applied
    OutcomeUnknownException         :info  sent, no answer before the deadline: maybe applied
    anything else, or our own wait  :info  we cannot tell

  A read changes nothing, so a read whose outcome is unknown is reported as :fail: the
  checker may then ignore it, which is what an unknown read means anyway."
  (:require [clojure.string :as str]
            [clojure.tools.logging :refer [info warn]]
            [tempokv.db :as tdb])
  (:import (io.tempokv.client TempoClient
                              ClientOptions
                              CasResult
                              OutcomeUnknownException
                              RequestRejectedException
                              NoEndpointReachableException)
           (java.time Duration)
           (java.util Optional)
           (java.util.concurrent CompletableFuture
                                 ExecutionException
                                 TimeUnit
                                 TimeoutException)))

(def deadline-ms
  "After this, the client reports the outcome unknown."
  5000)

(defn options
  "Short timeouts: an op that hangs longer than a few seconds is :info anyway, and Jepsen's
  workers should come back quickly to keep the load going."
  []
  (ClientOptions. (Duration/ofSeconds 2)
                  (Duration/ofMillis 1000)
                  (Duration/ofMillis deadline-ms)
                  64))

(defn endpoints
  "The node the Jepsen client is bound to first, then the others: the Java client fails over
  in that order, as an application using it would."
  [test node]
  (->> (cons node (remove #{node} (:nodes test)))
       (map #(str % ":" tdb/client-port))
       (str/join ",")))

(defn ^TempoClient connect
  [test node]
  (TempoClient/connect (TempoClient/parseEndpoints (endpoints test node)) (options)))

(defn await!
  "Waits for a future a little past the client's own deadline and returns its value, or
  throws the exception it completed with (unwrapped from ExecutionException)."
  [^CompletableFuture fut]
  (try
    (.get fut (+ deadline-ms 2000) TimeUnit/MILLISECONDS)
    (catch ExecutionException e
      (throw (or (.getCause e) e)))))

(defn fail-or-info
  "The completion type for an op whose outcome is unknown."
  [op]
  (if (= :read (:f op)) :fail :info))

(defmacro with-errors
  "Evaluates body, which returns the completed op, turning the client's exceptions into
  :fail (surely not applied) or :info (maybe applied) completions of op."
  [op & body]
  `(let [op# ~op]
     (try
       ~@body
       (catch RequestRejectedException e#
         (assoc op# :type :fail, :error [:rejected (.getMessage e#)]))
       (catch NoEndpointReachableException e#
         (assoc op# :type :fail, :error [:unreachable (.getMessage e#)]))
       (catch OutcomeUnknownException e#
         (assoc op# :type (fail-or-info op#), :error [:unknown (.getMessage e#)]))
       (catch TimeoutException e#
         (assoc op# :type (fail-or-info op#), :error :timeout))
       (catch InterruptedException e#
         (.interrupt (Thread/currentThread))
         (assoc op# :type (fail-or-info op#), :error :interrupted)))))

(def final-read-ms
  "How long a final read keeps asking, each attempt with the client's own deadline: a cluster
  whose nodes were all restarted by the last heal needed longer than one attempt on a loaded
  host; one that never serves again still fails the read, and the run is :unknown."
  60000)

(defn patiently
  "Calls (f) until it returns, asking again after the client's outcome-unknown, unreachable,
  rejected or timeout exceptions for up to final-read-ms, then throws the last of them. Only
  for reads: a read changes nothing, so asking again cannot apply anything twice."
  [f]
  (let [deadline (+ (System/nanoTime) (* 1000000 final-read-ms))]
    (loop []
      (let [r (try {:value (f)}
                   (catch InterruptedException e (throw e))
                   (catch Exception e
                     (if (< (System/nanoTime) deadline)
                       (do (Thread/sleep 200) ::again)
                       (throw e))))]
        (if (= ::again r)
          (recur)
          (:value r))))))

(defn get!
  "The value of key k, or nil if absent."
  [^TempoClient c ^String k]
  (let [^Optional v (await! (.get c k))]
    (.orElse v nil)))

(defn put!
  [^TempoClient c ^String k ^String v]
  (await! (.put c k v)))

(defn cas!
  "A CasResult: whether it applied and the value the key held."
  ^CasResult [^TempoClient c ^String k ^String expected ^String v]
  (await! (.cas c k expected v)))

(defn close!
  [^TempoClient c]
  (when c
    (try (.close c)
         (catch Exception e
           (warn e "closing the tempokv client")))))

(defn parse-long-or-nil
  [s]
  (when s (Long/parseLong s)))
