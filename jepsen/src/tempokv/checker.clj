(ns tempokv.checker
  "Checks shared by the workloads."
  (:require [jepsen.checker :as checker]))

(defn final-reads-result
  "The result map for a history's ops marked :final? (the reads after the heal and the
  recovery wait): valid when every one of them completed :ok; unknown, with the reason,
  when none was made or any did not complete ok, since then nothing shows that the cluster
  recovered. Never false: a cluster that stays down has lost availability, not safety."
  [history]
  (let [finals    (filter :final? history)
        attempted (count (filter #(= :invoke (:type %)) finals))
        ok        (count (filter #(= :ok (:type %)) finals))]
    (cond
      (zero? attempted)
      {:valid? :unknown, :attempted 0, :ok 0,
       :error "no final read was made: nothing shows that the cluster recovered"}

      (< ok attempted)
      {:valid? :unknown, :attempted attempted, :ok ok,
       :error (str (- attempted ok) " of " attempted " final reads (after every fault was healed"
                   " and the recovery wait) did not complete ok: the cluster did not recover")}

      :else
      {:valid? true, :attempted attempted, :ok ok})))

(defn final-reads
  "A checker for final-reads-result."
  []
  (reify checker/Checker
    (check [_ test history opts]
      (final-reads-result history))))
