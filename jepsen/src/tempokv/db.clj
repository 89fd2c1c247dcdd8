(ns tempokv.db
  "Installs, configures, starts, kills, pauses and tears down tempokv on a node.

  Two ways in: the Debian package given by --deb PATH (uploaded to the node and installed
  with `apt-get install -y ./file`; started through its service, as the package's `tempokv`
  user), or the tarball given by --tarball URL (unpacked into /opt/tempokv by Jepsen's
  archive installer; started as a daemon). With --faketime the server runs under libfaketime,
  so the clock nemesis can move its clock alone (see tempokv.nemesis): the package's service
  gets libfaketime's settings from a marked block in /etc/default/tempokv, the tarball's
  daemon from its environment.

  tempokv is leaderless: this DB has no notion of primaries (no db/Primary)."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [clojure.tools.logging :refer [info warn]]
            [jepsen [control :as c]
                    [db :as db]
                    [util :as util]]
            [jepsen.control.util :as cu]
            [jepsen.os.debian :as debian]))

(def config-dir  "/etc/tempokv")
(def config-file "/etc/tempokv/tempokv.yaml")
(def data-dir    "/var/lib/tempokv")
(def log-dir     "/var/log/tempokv")
(def log-file    "/var/log/tempokv/tempokv.log")
(def pid-file    "/var/run/tempokv-jepsen.pid")
(def service     "tempokv")

(def deb-bin
  "The command the Debian package installs."
  "/usr/bin/tempokv")

(def tarball-dir "/opt/tempokv")
(def tarball-bin "/opt/tempokv/bin/tempokv")

(def client-port 7400)
(def peer-port   7500)
(def http-port   7600)

(def faketime-lib
  "libfaketime as Debian's libfaketime package installs it."
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")

(def faketime-file
  "The offset libfaketime applies to the server, e.g. +0s or -12.345s; the clock nemesis
  rewrites it (tempokv.nemesis), and the server sees a change within a second."
  "/etc/tempokv/faketime")

(def defaults-file
  "The package's environment file: its unit (EnvironmentFile) and /usr/bin/tempokv read it."
  "/etc/default/tempokv")

(def block-begin "# BEGIN tempokv-jepsen")
(def block-end   "# END tempokv-jepsen")

(def service-user
  "The user the package's service runs as; it must own the data and log directories."
  "tempokv")

(defn node-id
  "Node ids are 1..n in the order of the test's node list."
  [test node]
  (inc (.indexOf ^java.util.List (vec (:nodes test)) node)))

(defn config
  "The YAML configuration of `node`: every node of the test is a member, named by its host
  name, with the same ports."
  [test node]
  (let [n (count (:nodes test))]
    (str "# Written by the Jepsen suite (tempokv.db) for test " (pr-str (:name test)) ".\n"
         "node-id: " (node-id test node) "\n"
         "cluster-id: jepsen\n"
         "data-dir: " data-dir "\n"
         "listen: 0.0.0.0\n"
         "ports: {client: " client-port ", peer: " peer-port ", http: " http-port "}\n"
         "members:\n"
         (->> (:nodes test)
              (map (fn [member]
                     (str "  - {id: " (node-id test member) ", host: " member
                          ", client: " client-port ", peer: " peer-port
                          ", http: " http-port "}\n")))
              (apply str))
         "shards: " (:shards test 2) "\n"
         "f: " (:f test (quot (dec n) 2)) "\n"
         "fsync: true\n")))

(defn systemd?
  "Is systemd running this node (so the service is systemctl's)?"
  []
  (cu/exists? "/run/systemd/system"))

(defn service?
  "Do we start the server through the package's service? Yes for the Debian package (with
  --faketime too: libfaketime's settings go into the package's environment file)."
  [test]
  (boolean (:deb test)))

(defn bin
  [test]
  (if (:deb test) deb-bin tarball-bin))

(defn server-pids
  "The pids of this node's tempokv server JVMs. The [j]/[t] brackets keep the pattern from
  matching the shell that runs pgrep."
  []
  (->> (try (c/exec :pgrep :-f "[j]ava.*[t]empokv.*server")
            (catch Exception _ ""))
       str/split-lines
       (map str/trim)
       (remove str/blank?)))

(defn install-deb!
  "Uploads the .deb and installs it with apt, which pulls in its dependencies (a Java
  runtime). The package may start its service at once with the default configuration; we
  stop it and wipe what it wrote before writing ours."
  [test]
  (let [local  (:deb test)
        remote (str "/tmp/jepsen/" (.getName (io/file local)))]
    (c/exec :mkdir :-p "/tmp/jepsen")
    (c/upload local remote)
    (c/exec :env "DEBIAN_FRONTEND=noninteractive"
            :apt-get :install :-y :--allow-downgrades :--reinstall remote)
    (if (systemd?)
      (util/meh (c/exec :systemctl :stop service))
      (util/meh (c/exec (str "/etc/init.d/" service) :stop)))))

(defn install-tarball!
  "Unpacks the tarball (its sole top directory becomes /opt/tempokv) with Jepsen's archive
  installer, which caches downloads in /tmp/jepsen."
  [test]
  (cu/install-archive! (:tarball test) tarball-dir))

(def fresh-dirs-script
  "resources/tempokv/fresh-dirs.sh: the steps that empty and make the data and log
  directories. The Maven build's systest runs the same file on the test nodes."
  (slurp (io/resource "tempokv/fresh-dirs.sh")))

(defn fresh-data-dirs!
  "Empties the data directory and makes the data and log directories, owned by the
  package's user when the package runs the server: its service cannot write to a directory
  root made (\"Failed to create directory: /var/lib/tempokv/shard-0\"). Before the package
  was ever installed there is no such user yet and the directories stay root's; the set-up,
  after installing it, calls this again. The steps are fresh-dirs-script's."
  [test]
  (c/exec :sh :-c fresh-dirs-script "fresh-dirs" data-dir log-dir
          (if (service? test) service-user "-")))

(defn faketime-env
  "Environment that runs the server under libfaketime, reading its offset from
  faketime-file; the Java suite's settings (SshCluster.defaultsBlock), measured there:
  FAKETIME_CACHE_DURATION=0 re-reads the file at most once a second (about 0.2 us per clock
  read; FAKETIME_NO_CACHE=1 re-reads it on every read, 35-65 us, which kept a node from
  serving for tens of seconds), monotonic clocks (timeouts, ticks) stay real, and
  FAKETIME_FORCE_MONOTONIC_FIX=0 keeps timed waits right under a non-zero offset."
  []
  {:LD_PRELOAD                   faketime-lib
   :FAKETIME_TIMESTAMP_FILE      faketime-file
   :FAKETIME_CACHE_DURATION      "0"
   :FAKETIME_DONT_FAKE_MONOTONIC "1"
   :FAKETIME_FORCE_MONOTONIC_FIX "0"
   ; offsets are written with a decimal point (tempokv.nemesis/format-offset)
   :LC_NUMERIC                   "C"})

(defn defaults-block
  "The lines added to the package's environment file for --faketime: NAME=\"value\" for
  systemd; exported as well without it, where /usr/bin/tempokv sources the file."
  [systemd?]
  (let [env (faketime-env)]
    (str block-begin ": written by the Jepsen suite (tempokv.db); removed at teardown\n"
         (apply str (for [[k v] env] (str (name k) "=\"" v "\"\n")))
         (when-not systemd?
           (str "export " (str/join " " (map name (keys env))) "\n"))
         block-end "\n")))

(defn remove-defaults-block!
  []
  (util/meh (c/exec :sed :-i (str "/^" block-begin "/,/^" block-end "/d") defaults-file)))

(defn write-config!
  [test node]
  (c/exec :mkdir :-p config-dir)
  (cu/write-file! (config test node) config-file)
  (when (:faketime test)
    (c/exec :bash :-c (str "umask 022; printf '+0s\\n' > " faketime-file))
    (when (service? test)
      (remove-defaults-block!)
      (c/exec :bash :-c (str "cat >> " defaults-file " <<'EOF'\n" (defaults-block (systemd?)) "EOF")))))

(defn start-server!
  [test node]
  (if (service? test)
    (do (if (systemd?)
          (c/exec :systemctl :start service)
          (c/exec (str "/etc/init.d/" service) :start))
        :started)
    (cu/start-daemon!
      {:logfile           log-file
       :pidfile           pid-file
       :chdir             data-dir
       :env               (when (:faketime test) (faketime-env))
       ; The launcher may be a script that execs java: track by pidfile only.
       :match-executable? false}
      (bin test)
      :server
      :--config config-file)))

(defn kill-server!
  "SIGKILL: no shutdown hooks, no flushing."
  [test node]
  (doseq [pid (server-pids)]
    (util/meh (c/exec :kill :-9 pid)))
  (if (service? test)
    ; Keep systemd from restarting it (Restart=), so the kill lasts until the nemesis
    ; starts it again.
    (when (systemd?) (util/meh (c/exec :systemctl :stop service)))
    (util/meh (c/exec :rm :-f pid-file)))
  :killed)

(defn signal-server!
  [signal]
  (doseq [pid (server-pids)]
    (util/meh (c/exec :kill (str "-" signal) pid))))

(defrecord DB [opts]
  db/DB
  (setup! [this test node]
    (info node "installing tempokv" (if (:deb test) (str "package " (:deb test)) (str "tarball " (:tarball test))))
    (c/su
      (when (:faketime test)
        (debian/install [:faketime]))
      (if (:deb test)
        (install-deb! test)
        (install-tarball! test))
      (fresh-data-dirs! test)
      (write-config! test node)
      (start-server! test node)))

  (teardown! [this test node]
    (info node "tearing down tempokv")
    (c/su
      (kill-server! test node)
      (fresh-data-dirs! test)
      (when (service? test) (remove-defaults-block!))
      ; -c: never create it (as root, before the package made its user, the service could
      ; not write it afterwards)
      (util/meh (c/exec :truncate :-c :-s 0 log-file))))

  db/Process
  (start! [this test node]
    (c/su (start-server! test node)))

  (kill! [this test node]
    (c/su (kill-server! test node)))

  db/Pause
  (pause! [this test node]
    (c/su (signal-server! "STOP"))
    :paused)

  (resume! [this test node]
    (c/su (signal-server! "CONT"))
    :resumed)

  db/LogFiles
  (log-files [this test node]
    ; The service logs to the journal; copy it next to the daemon log so store/ gets it.
    (when (and (service? test) (systemd?))
      (c/su (util/meh (c/exec :journalctl :-u service :--no-pager
                              :> (str log-dir "/journal.log")))))
    (cond-> [log-file config-file]
      (and (service? test) (systemd?)) (conj (str log-dir "/journal.log"))
      (:faketime test)                 (conj faketime-file))))

(defn db
  "A tempokv DB. Which way it installs (--deb or --tarball) and whether it runs under
  libfaketime (--faketime) are read from the test map."
  [opts]
  (DB. opts))
