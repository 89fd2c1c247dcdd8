(ns tempokv.core
  "The command line: `lein run test ...` runs one test, `lein run test-all ...` a matrix of
  workloads and nemeses, `lein run serve` shows store/ in a browser, `lein run analyze ...`
  re-checks a stored history. See jepsen/README.md."
  (:gen-class)
  (:require [clojure.string :as str]
            [clojure.tools.logging :refer [info warn]]
            [jepsen [checker :as checker]
                    [cli :as cli]
                    [generator :as gen]
                    [os :as os]
                    [tests :as tests]]
            [jepsen.checker.timeline :as timeline]
            [jepsen.os.debian :as debian]
            [tempokv [checker :as tchecker]
                     [db :as tdb]
                     [nemesis :as tn]
                     [register :as register]
                     [set :as tset]]))

(def workloads
  "Workload name -> (fn [opts] workload map)."
  {:register register/workload
   :set      tset/workload})

(def all-nemeses
  "The fault combinations test-all runs when --nemesis is not given."
  [#{}
   #{:partition}
   #{:kill}
   #{:pause}
   #{:clock}
   #{:partition :kill}
   #{:partition :pause :kill :clock}])

(defn parse-faults
  "\"partition,kill\" -> #{:partition :kill}; \"none\" or \"\" -> #{}."
  [s]
  (->> (str/split (str s) #"\s*,\s*")
       (remove #{"" "none"})
       (map keyword)
       set))

(defn test-name
  [opts]
  (str "tempokv " (name (:workload opts)) " "
       (if (seq (:nemesis opts))
         (str/join "," (map name (sort (:nemesis opts))))
         "no-faults")
       (when (:faketime opts) " faketime")))

(defn tempokv-test
  "A test map from parsed command-line options."
  [opts]
  (let [workload ((workloads (:workload opts)) opts)
        db       (tdb/db opts)
        nem      (tn/package {:db       db
                              :faults   (:nemesis opts)
                              :interval (:nemesis-interval opts)
                              :faketime (:faketime opts)})]
    (merge tests/noop-test
           opts
           {:name      (test-name opts)
            :os        (if (= :none (:os opts)) os/noop debian/os)
            :db        db
            :client    (:client workload)
            :nemesis   (:nemesis nem)
            :checker   (checker/compose
                         (cond-> {:perf       (checker/perf {:nemeses (:perf nem)})
                                  :stats      (checker/stats)
                                  :exceptions (checker/unhandled-exceptions)
                                  :timeline   (timeline/html)
                                  :workload   (:checker workload)
                                  ; a run whose cluster never recovered is not valid
                                  :final-reads (tchecker/final-reads)}
                           (contains? (:nemesis opts) :clock)
                           (assoc :clock (checker/clock-plot))))
            :generator (gen/phases
                         (->> (:generator workload)
                              (gen/stagger (/ (:rate opts)))
                              (gen/nemesis (:generator nem))
                              (gen/time-limit (:time-limit opts)))
                         (gen/log "Healing: ending every fault")
                         (gen/nemesis (:final-generator nem))
                         (gen/log "Waiting for the cluster to recover")
                         (gen/sleep (:recovery-time opts))
                         (gen/clients (:final-generator workload)))})))

(defn positive
  [what]
  [#(and (number? %) (pos? %)) (str what " must be a positive number")])

(def cli-opts
  "Options beyond Jepsen's standard ones (--nodes-file, --time-limit, --concurrency,
  --username, --ssh-private-key, --test-count, ...)."
  [[nil "--workload NAME" "register or set."
    :default  :register
    :parse-fn keyword
    :validate [workloads (cli/one-of workloads)]]

   [nil "--nemesis FAULTS" "Comma-separated faults: partition, kill, pause, clock; or none."
    :default  #{}
    :parse-fn parse-faults
    :validate [#(every? tn/faults %) (cli/one-of tn/faults)]]

   [nil "--nemesis-interval SECONDS" "Mean seconds between fault operations."
    :default  10
    :parse-fn read-string
    :validate (positive "--nemesis-interval")]

   [nil "--rate HZ" "Approximate client operations per second, over all workers."
    :default  50
    :parse-fn read-string
    :validate (positive "--rate")]

   ; Overrides Jepsen's default of 1n: register keys are worked on by 2 threads each.
   [nil "--concurrency NUMBER" "How many workers; an integer, optionally followed by n to multiply by the number of nodes. For register, a multiple of --threads-per-key."
    :default  "2n"
    :validate [(partial re-find #"^\d+n?$") "Must be an integer, optionally followed by n."]]

   [nil "--threads-per-key NUMBER" "register: workers per key at a time."
    :default  2
    :parse-fn #(Long/parseLong %)
    :validate (positive "--threads-per-key")]

   [nil "--ops-per-key NUMBER" "register: operations on a key before moving to the next (Knossos decides 50 within a 3 GB heap under faults; 200 ran it out of memory)."
    :default  50
    :parse-fn #(Long/parseLong %)
    :validate (positive "--ops-per-key")]

   [nil "--recovery-time SECONDS" "After healing every fault, seconds to wait before the final reads."
    :default  10
    :parse-fn read-string
    :validate (positive "--recovery-time")]

   [nil "--deb PATH" "Install this Debian package (a local file, uploaded to every node), e.g. ../packaging/target/tempokv_0.1.0_all.deb."]

   [nil "--tarball URL" "Install this tarball instead (http://, https:// or file:// on the nodes), unpacked into /opt/tempokv."
    :validate [(partial re-find #"^(file|https?)://.*\.(tar\.gz|tgz|tar)$")
               "Must be a file://, http:// or https:// URL ending in .tar.gz, .tgz or .tar"]]

   [nil "--shards N" "Shards per node (tempokv.yaml shards)."
    :default  2
    :parse-fn #(Long/parseLong %)
    :validate (positive "--shards")]

   [nil "--faketime" "Run servers under libfaketime and skew their faked clocks: for the test nodes, which share one kernel clock."
    :default false]

   [nil "--real-clocks" "Allow the clock nemesis to set the nodes' real clocks: only on VMs with clocks of their own."
    :default false]

   [nil "--os NAME" "debian: set the nodes up with apt (VMs); none: use the nodes as they are (the test nodes)."
    :default  :debian
    :parse-fn keyword
    :validate [#{:debian :none} "Must be debian or none"]]])

(defn validate
  "An opt-fn: exactly one of --deb and --tarball, and no real clocks moved unless asked."
  [parsed]
  (let [{:keys [deb tarball nemesis faketime real-clocks]} (:options parsed)
        err (fn [p msg] (update p :errors (fnil conj []) msg))]
    (cond-> parsed
      (not (or deb tarball))
      (err "Give the build to install: --deb PATH or --tarball URL")

      (and deb tarball)
      (err "--deb and --tarball exclude each other")

      (and deb (not (.isFile (java.io.File. ^String deb))))
      (err (str "--deb " deb ": no such file"))

      (and (contains? nemesis :clock) (not faketime) (not real-clocks))
      (err (str "--nemesis clock needs --faketime (test nodes: one shared kernel clock, "
                "which must not be changed) or --real-clocks (VMs with clocks of their own)")))))

(defn all-tests
  "test-all: every workload and every fault combination, unless --workload or --nemesis
  narrows it; clock combinations only when clocks may be moved."
  [opts]
  (let [ws     (if-let [w (:workload opts)] [w] (sort (keys workloads)))
        clock? (or (:faketime opts) (:real-clocks opts))
        nems   (if-let [n (:nemesis opts)]
                 [n]
                 (remove #(and (:clock %) (not clock?)) all-nemeses))]
    (for [_ (range (:test-count opts 1))
          w ws
          n nems]
      (tempokv-test (assoc opts :workload w :nemesis n)))))

(defn -main
  [& args]
  (cli/run! (merge (cli/single-test-cmd {:test-fn  tempokv-test
                                         :opt-spec cli-opts
                                         :opt-fn   validate})
                   (cli/test-all-cmd {:tests-fn all-tests
                                      :opt-spec (cli/without-defaults-for
                                                  [:workload :nemesis] cli-opts)
                                      :opt-fn   validate})
                   (cli/serve-cmd))
            args))
