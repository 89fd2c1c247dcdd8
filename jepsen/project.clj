(defproject tempokv-jepsen "0.1.0-SNAPSHOT"
  :description "Jepsen tests for tempokv, a leaderless key-value store ordered by the Tempo protocol"
  :license {:name "Apache License 2.0"
            :url  "https://www.apache.org/licenses/LICENSE-2.0"}
  :dependencies [[org.clojure/clojure "1.12.4"]
                 ; Jepsen 0.3.11 brings Knossos 0.3.15 (knossos.model/cas-register) with it;
                 ; it is named here so the checker's version is visible and pinned.
                 [jepsen "0.3.11"]
                 [knossos "0.3.15"]
                 ; The Java client, from the local Maven repository (~/.m2): run
                 ; `mvn -DskipTests install` in the repository root first. Leiningen looks in
                 ; ~/.m2 before any remote repository.
                 [io.tempokv/tempokv-client "0.1.0-SNAPSHOT"]]
  :main tempokv.core
  :jvm-opts ["-Xmx4g"
             "-Djava.awt.headless=true"
             "-server"]
  :repl-options {:init-ns tempokv.core})
