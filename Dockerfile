# lbsim in a container image. Build and run (docs/install.md):
#   docker build -t lbsim --build-arg VERSION="$(git describe --tags --always --dirty)" .
#   docker run --rm lbsim run black-friday
# The bundled scenarios are inside the binary; mount a directory for your own.

# The Go release go.mod names.
ARG GO_VERSION=1.26.8

# The build runs on the builder's own platform and cross-compiles to the
# image's (docker buildx build --platform linux/arm64 ...).
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
# make dist's flags (internal/dist.BuildFlags): a static, stripped binary
# with no paths of this machine in it.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false -ldflags="-s -w -X main.version=${VERSION}" -o /out/lbsim ./cmd/lbsim

# A static binary needs no libc or shell: distroless, run as nonroot.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lbsim /lbsim
ENTRYPOINT ["/lbsim"]
CMD ["help"]
