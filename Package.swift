// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "logout-fcgi",
    products: [
        .executable(name: "logout-fcgi", targets: ["logout-fcgi"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // epoll, eventfd and memfd_create, which Glibc's Swift module leaves out.
        .systemLibrary(name: "CLinuxEvents"),
        // glibc's malloc.h, for the executable's allocator tuning (MallocArenas.swift).
        .systemLibrary(name: "CMalloc"),
        // errno as a typed error, the EINTR-aware wrappers of the socket and file calls, epoll and
        // eventfd, a joinable thread, clocks and byte-level text helpers.
        .target(name: "POSIXSupport", dependencies: ["CLinuxEvents"]),
        // The header field the HTTP client and the responder share.
        .target(name: "HTTPHeaders", dependencies: ["POSIXSupport"]),
        .target(
            name: "FastCGI",
            dependencies: [
                "CFastCGI",
                "HTTPHeaders",
                "POSIXSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // libfcgi's OS layer, defined again in LibfcgiOSLayer.swift: exported from whatever
            // executable links this module, so that libfcgi's calls bind to these definitions.
            linkerSettings: [
                .unsafeFlags(
                    ["OS_Accept", "OS_Read", "OS_Write", "OS_IpcClose"].flatMap {
                        ["-Xlinker", "--export-dynamic-symbol=\($0)"]
                    })
            ]
        ),
        // An HTTP client over libcurl's multi interface, on a thread of its own.
        .target(
            name: "HTTPClient",
            dependencies: [
                "CCurl",
                "HTTPHeaders",
                "POSIXSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SupabaseAuth",
            dependencies: [
                "HTTPClient",
                "HTTPHeaders",
                "POSIXSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Systemd",
            dependencies: [
                "POSIXSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Logout",
            dependencies: [
                // The router answers with the transport's response type, whose writer measures its head.
                "FastCGI",
                "HTTPClient",
                "HTTPHeaders",
                "POSIXSupport",
                "SupabaseAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `logout-fcgi check`: the settings as a start reads them, and what they point at.
        .target(
            name: "ConfigurationCheck",
            dependencies: ["FastCGI", "HTTPClient", "HTTPHeaders", "Logout", "SupabaseAuth"]
        ),
        .executableTarget(
            name: "logout-fcgi",
            dependencies: [
                "CMalloc",
                "ConfigurationCheck",
                "Logout",
                "FastCGI",
                "HTTPClient",
                "POSIXSupport",
                "SupabaseAuth",
                "Systemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The request path in memory: mallocs per request, checked in CI (Benchmarks/Thresholds).
        .executableTarget(
            name: "LogoutBenchmarks",
            dependencies: [
                "Logout", "FastCGI", "SupabaseAuth",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/LogoutBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Starts and drives the local Supabase Auth stand-in (Tests/Stub) from Swift tests.
        .target(
            name: "GoTrueStubSupport",
            dependencies: ["HTTPClient", .product(name: "Logging", package: "swift-log")],
            path: "Tests/GoTrueStubSupport"
        ),
        .testTarget(name: "POSIXSupportTests", dependencies: ["POSIXSupport"]),
        .testTarget(name: "ConfigurationCheckTests", dependencies: ["ConfigurationCheck", "HTTPClient", "Logout"]),
        .testTarget(
            name: "FastCGITests",
            dependencies: [
                "FastCGI", "POSIXSupport", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .testTarget(
            name: "HTTPClientTests",
            dependencies: ["HTTPClient", "HTTPHeaders", "GoTrueStubSupport"]
        ),
        .testTarget(
            name: "SupabaseAuthTests",
            dependencies: [
                "SupabaseAuth", "HTTPClient", "HTTPHeaders", "GoTrueStubSupport", .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .testTarget(
            name: "LogoutTests",
            dependencies: [
                "Logout", "FastCGI", "HTTPClient", "HTTPHeaders", "SupabaseAuth", "GoTrueStubSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
