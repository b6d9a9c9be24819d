# syntax=docker/dockerfile:1
# Hindsight service image: one image for CPU and GPU hosts.
#
#   docker build -t hindsight .                          # CUDA kernels compiled (nvcc in the build stage)
#   docker build --build-arg WITH_LIBTORCH=false -t hindsight:slim .
#   docker run -p 8080:8080 -e HINDSIGHT_API_KEY=... hindsight           # CPU host
#   docker run --gpus all -p 8080:8080 -e HINDSIGHT_API_KEY=... hindsight # GPU host (NVIDIA container runtime)
#
# The CUDA backend talks to the GPU through JCuda's *driver* API and loads kernels (PTX/cubin) that
# the build stage compiled into hindsight.jar. At run time it needs only libcuda.so, which the
# NVIDIA container runtime mounts from the host (--gpus / `deploy.resources.reservations.devices`
# / `nvidia.com/gpu`). No CUDA toolkit is in the runtime image; without a GPU, backend "auto"
# runs jobs on the CPU.

# ---- build: JDK 17 + Maven (wrapper) + nvcc for the kernels --------------------------------------
# BUILD_BASE must be Debian/Ubuntu based. A non-CUDA base (e.g. ubuntu:22.04) builds faster, but
# the image's CUDA backend then reports itself unavailable (no kernels in the jar).
ARG BUILD_BASE=nvidia/cuda:12.6.3-devel-ubuntu22.04
FROM ${BUILD_BASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jdk-headless ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits don't re-download them.
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN --mount=type=cache,target=/root/.m2 ./mvnw -q -B dependency:go-offline
COPY src src
RUN --mount=type=cache,target=/root/.m2 ./mvnw -q -B -DskipTests package
# libtorch (~110 MB jar, more unpacked) serves only jobs with "engine": "djl" (the FP32 baseline).
# WITH_LIBTORCH=false leaves it out; such jobs then fail with a message, every other job runs.
ARG WITH_LIBTORCH=true
RUN if [ "$WITH_LIBTORCH" = "false" ]; then rm -v target/lib/pytorch-native-*.jar; fi
# A Java runtime with only the modules the jar and its libraries use (jdeps), plus those reached
# by reflection or service loading: TLS to PostgreSQL (jdk.crypto.ec), JMX/process metrics.
RUN modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 \
        --class-path 'target/lib/*' target/hindsight.jar target/lib/*.jar 2>/dev/null | tail -1)" \
 && jlink --add-modules "$modules,jdk.crypto.ec,jdk.management,java.naming,jdk.incubator.vector" \
        --strip-debug --no-header-files --no-man-pages --compress=2 --output /opt/java

# ---- runtime: jlink'd Java + the jar, non-root -------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/hindsight --create-home hindsight
COPY --from=build /opt/java /opt/java
COPY --from=build /src/target/lib /app/lib
COPY --from=build /src/target/hindsight.jar /app/hindsight.jar
# The actuator (health probes, Prometheus) listens on its own port, 8081, for the orchestrator and
# Prometheus only: publish 8080 (the API) alone. The metrics need no API key on that port.
# NVIDIA_DRIVER_CAPABILITIES: "compute" makes the NVIDIA runtime mount libcuda.so when GPUs are given.
ENV PATH=/opt/java/bin:$PATH \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    DJL_OFFLINE=true \
    DJL_CACHE_DIR=/tmp/djl \
    HINDSIGHT_DATADIR=/var/lib/hindsight \
    SERVER_PORT=8080 \
    MANAGEMENT_SERVER_PORT=8081 \
    HINDSIGHT_SECURITY_PROTECT_PROMETHEUS=false \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER hindsight
WORKDIR /var/lib/hindsight
VOLUME /var/lib/hindsight
EXPOSE 8080 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${MANAGEMENT_SERVER_PORT}/actuator/health/readiness" >/dev/null || exit 1
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "-jar", "/app/hindsight.jar"]
CMD ["serve"]
