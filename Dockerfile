# The hub as one container image, for docker-compose.yml. The default run needs no Docker at all.
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -pl hub -am install -DskipTests \
 && ./mvnw -B -q -pl hub dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp hub/target/hub-*.jar /out/lib/

FROM eclipse-temurin:21-jre
COPY --from=build /out/lib /opt/mizani/lib
ENV MIZANI_DATA_DIR=/var/lib/mizani
# the APIs listen on every interface of the container (the hub's own default is loopback only)
ENV MIZANI_GATEWAY_HOST=0.0.0.0
ENTRYPOINT ["java", "-Xmx2g", "-XX:+UseParallelGC", \
  "-XX:MetaspaceSize=128m", "-XX:SweeperThreshold=50", "--add-opens=java.base/java.lang=ALL-UNNAMED", \
  "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=java.lang,java.math,java.util,org.apache.avro,dev.mizani", \
  "-cp", "/opt/mizani/lib/*", "dev.mizani.hub.Main"]
