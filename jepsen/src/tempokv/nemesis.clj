(ns tempokv.nemesis
  "Faults, built on jepsen.nemesis.combined: partitions (one node, majority/minority,
  overlapping majorities in a ring, a minority third), kills (SIGKILL, then start), pauses
  (SIGSTOP/SIGCONT) and clocks.

  Clocks come two ways. On real VMs, Jepsen's clock nemesis sets each node's real clock
  (bump, strobe, reset). The repository's test nodes share one kernel clock, which must never
  be changed; there (--faketime) the server runs under libfaketime and this namespace's
  faketime nemesis rewrites the offset file libfaketime reads (tempokv.db/faketime-file)
  instead. Both take the same ops and complete them the same way (:clock-offsets, seconds per
  node), so generators, plots and histories look alike."
  (:require [clojure.string :as str]
            [clojure.tools.logging :refer [info warn]]
            [jepsen [control :as c]
                    [generator :as gen]
                    [nemesis :as n]
                    [util :as util]]
            [jepsen.control.util :as cu]
            [jepsen.nemesis.combined :as nc]
            [jepsen.nemesis.time :as nt]
            [tempokv.db :as tdb]))

(def faults
  "Fault names for --nemesis."
  #{:partition :kill :pause :clock})

(def partition-targets
  "tempokv has no primaries, so no :primaries target."
  [:one :majority :majorities-ring :minority-third])

(def process-targets
  [:one :minority :majority :all])

;; libfaketime offsets

(defn format-offset
  "Seconds as a libfaketime relative offset: +1.250s, -0.003s."
  [seconds]
  (str (if (neg? seconds) "-" "+")
       (format "%.3f" (Math/abs (double seconds)))
       "s"))

(defn parse-offset
  "The seconds of an offset written by format-offset; 0 for anything else (no file yet)."
  [s]
  (if-let [[_ sign digits] (re-find #"^\s*([+-])(\d+(?:\.\d+)?)s" (str s))]
    (cond-> (Double/parseDouble digits) (= "-" sign) -)
    0.0))

(defn write-offset!
  "Replaces the offset file in one rename, so libfaketime never reads half a file."
  [seconds]
  (let [tmp (str tdb/faketime-file ".tmp")]
    (cu/write-file! (str (format-offset seconds) "\n") tmp)
    (c/exec :mv :-f tmp tdb/faketime-file)))

(defn current-offset
  "This node's faked offset in seconds."
  []
  (parse-offset (util/meh (c/exec :cat tdb/faketime-file))))

(defn strobe!
  "Alternates the offset between its current value and current + delta ms, every period
  ms, for duration seconds, then puts it back: a clock that jumps back and forth. Runs on
  the node, as jepsen's strobe-time does, and returns when done."
  [{:keys [delta period duration]}]
  (let [base  (current-offset)
        high  (+ base (/ delta 1000.0))
        f     tdb/faketime-file
        sleep (format "%.3f" (/ period 1000.0))]
    (c/exec :bash :-c
            (str "end=$(( $(date +%s) + " (long (Math/ceil duration)) " )); "
                 "while [ $(date +%s) -lt $end ]; do "
                 "echo " (format-offset high) " > " f ".tmp && mv -f " f ".tmp " f "; "
                 "sleep " sleep "; "
                 "echo " (format-offset base) " > " f ".tmp && mv -f " f ".tmp " f "; "
                 "sleep " sleep "; "
                 "done"))
    (write-offset! base)))

(defn faketime-clock-nemesis
  "A clock nemesis for servers under libfaketime. Accepts the ops of
  jepsen.nemesis.time/clock-nemesis, with the same values:

    {:f :reset,         :value [node ...]}
    {:f :bump,          :value {node delta-ms ...}}
    {:f :strobe,        :value {node {:delta ms, :period ms, :duration s} ...}}
    {:f :check-offsets}

  and completes them with :clock-offsets {node offset-seconds}."
  []
  (reify n/Nemesis
    (setup! [this test]
      (c/with-test-nodes test (c/su (write-offset! 0)))
      this)

    (invoke! [this test op]
      (let [res (case (:f op)
                  :reset         (c/on-nodes test (:value op)
                                             (fn [test node]
                                               (c/su (write-offset! 0))
                                               0.0))
                  :check-offsets (c/on-nodes test
                                             (fn [test node] (current-offset)))
                  :bump          (let [m (:value op)]
                                   (c/on-nodes test (keys m)
                                               (fn [test node]
                                                 (c/su
                                                   (let [o (+ (current-offset)
                                                              (/ (get m node) 1000.0))]
                                                     (write-offset! o)
                                                     o)))))
                  :strobe        (let [m (:value op)]
                                   (c/on-nodes test (keys m)
                                               (fn [test node]
                                                 (c/su (strobe! (get m node))
                                                       (current-offset))))))]
        (assoc op :clock-offsets res)))

    (teardown! [this test]
      (util/meh (c/with-test-nodes test (c/su (write-offset! 0)))))))

(defn faketime-clock-package
  "jepsen.nemesis.combined's clock package with the faketime clock nemesis in place of the
  real-clock one: same ops (:reset-clock, :bump-clock, :strobe-clock, :check-clock-offsets)
  and the same generator."
  [opts]
  (let [pkg (nc/clock-package opts)]
    (when (:generator pkg)
      (assoc pkg :nemesis
             (n/compose {{:reset-clock         :reset
                          :check-clock-offsets :check-offsets
                          :strobe-clock        :strobe
                          :bump-clock          :bump}
                         (faketime-clock-nemesis)})))))

(defn package
  "A nemesis package (:nemesis, :generator, :final-generator, :perf) for opts:

    :db        the tempokv DB
    :faults    a set drawn from `faults`
    :interval  seconds between fault ops (default 10)
    :faketime  true to move faked clocks rather than real ones"
  [opts]
  (let [faults (set (:faults opts))
        opts   (merge {:interval  10
                       :partition {:targets partition-targets}
                       :kill      {:targets process-targets}
                       :pause     {:targets process-targets}}
                      opts
                      {:faults faults})
        ; Every combined package but the clock one, which we may swap; packet and
        ; file-corruption stay off (not in `faults`), so they have no generator.
        base   (nc/nemesis-packages (update opts :faults disj :clock))
        clock  (when (faults :clock)
                 (if (:faketime opts)
                   (faketime-clock-package opts)
                   (nc/clock-package opts)))]
    (nc/compose-packages (cond-> (vec (filter :generator base))
                           clock (conj clock)))))
