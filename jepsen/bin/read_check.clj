;; Run by bin/read-check with file names as arguments. For each file: read every form with the
;; Clojure reader (no evaluation: *read-eval* false), and check that every alias/name symbol
;; uses an alias its ns form declares (:require ... :as, or a class imported). Prints one line
;; per file and exits 1 if any file fails.
(ns read-check
  (:require [clojure.java.io :as io]
            [clojure.walk :as walk])
  (:import (java.io PushbackReader)))

(defn read-forms
  [file]
  (binding [*read-eval* false]
    (with-open [r (PushbackReader. (io/reader file))]
      (let [eof (Object.)]
        (loop [forms []]
          (let [form (read {:eof eof :read-cond :allow} r)]
            (if (identical? eof form)
              forms
              (recur (conj forms form)))))))))

(defn require-aliases
  "Aliases from a (:require ...) clause, including prefix lists like [jepsen [cli :as cli]]."
  [clause]
  (letfn [(libspec [prefix spec]
            (cond
              (symbol? spec) #{}
              (sequential? spec)
              (let [[lib & more] spec]
                (if (and (seq more) (every? sequential? more))
                  ; prefix list: [jepsen [cli :as cli] [db :as db]]
                  (into #{} (mapcat #(libspec (str prefix lib ".") %)) more)
                  (let [opts (apply hash-map (if (odd? (count more)) (butlast more) more))]
                    (if-let [a (:as opts)] #{(str a)} #{}))))
              :else #{}))]
    (into #{} (mapcat #(libspec "" %)) (rest clause))))

(defn import-names
  "Simple class names from an (:import ...) clause."
  [clause]
  (into #{}
        (mapcat (fn [spec]
                  (if (sequential? spec)
                    (map str (rest spec))
                    [(last (clojure.string/split (str spec) #"\."))])))
        (rest clause)))

(defn ns-names
  "Every namespace prefix a qualified symbol may use in forms after this ns form."
  [ns-form]
  (let [clauses (filter seq? ns-form)]
    (into #{"clojure.core"}
          (concat (mapcat require-aliases (filter #(= :require (first %)) clauses))
                  (mapcat import-names (filter #(= :import (first %)) clauses))))))

(defn qualified-symbols
  [form]
  (let [found (atom [])]
    (walk/postwalk (fn [x]
                     (when (and (symbol? x) (namespace x))
                       (swap! found conj x))
                     x)
                   form)
    @found))

(defn java-lang?
  [n]
  (try (Class/forName (str "java.lang." n)) true
       (catch ClassNotFoundException _ false)))

(defn known-prefix?
  "A symbol's namespace part is fine if it is an alias, an imported class, a java.lang class,
  a fully qualified namespace or class (contains a dot), or this checker's own namespace
  (syntax-quote qualifies unqualified symbols with the namespace doing the reading)."
  [names sym]
  (let [n (namespace sym)]
    (or (contains? names n)
        (= n (str (ns-name *ns*)))
        (.contains ^String n ".")
        (java-lang? n))))

(defn check-file
  [file]
  (try
    (let [forms  (read-forms file)
          ; Each ns form starts a new set of aliases (a file may define more than one ns).
          errors (loop [forms forms, names #{"clojure.core"}, errors []]
                   (if-let [[form & more] (seq forms)]
                     (if (and (seq? form) (= 'ns (first form)))
                       (recur more (ns-names form) errors)
                       (recur more names
                              (into errors
                                    (for [s (qualified-symbols form)
                                          :when (not (known-prefix? names s))]
                                      (str "unknown alias in " s)))))
                     errors))]
      (if (seq errors)
        (do (println "FAIL" file (count forms) "forms:" (clojure.string/join ", " (distinct errors)))
            false)
        (do (println "ok  " file (count forms) "forms")
            true)))
    (catch Exception e
      (println "FAIL" file (.getMessage e)
               (if-let [c (.getCause e)] (.getMessage c) ""))
      false)))

(let [results (doall (map check-file *command-line-args*))]
  (println (count (filter true? results)) "passed," (count (remove true? results)) "failed")
  (shutdown-agents)
  (System/exit (if (every? true? results) 0 1)))
