// swift-tools-version:6.0
// PseudoTrack: a data engine that turns real video corpora into pseudo-labelled
// point-tracking training data. Modules, bottom to top:
//   CFFmpeg, CZstd, COpenBLAS      system libraries found with pkg-config
//   Imaging                        image buffers and per-pixel kernels
//   VideoIO                        the one module that talks to FFmpeg (probe, decode, encode)
//   Compression                    zstd for manifest artifacts and shards
//   Manifest                       the SQLite manifest: schema, leases, artifacts
//   Pipeline                       pipeline definitions, ingest, stages and the stage runner
//   PseudoTrackCLI                 the `pseudotrack` command
import PackageDescription

let package = Package(
    name: "PseudoTrack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pseudotrack", targets: ["PseudoTrackCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libavutil libswscale",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas lapacke",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .target(name: "Imaging"),
        .target(name: "VideoIO", dependencies: ["CFFmpeg", "Imaging"]),
        .target(name: "Compression", dependencies: ["CZstd"]),
        .target(name: "Manifest",
                dependencies: ["Compression", .product(name: "GRDB", package: "GRDB.swift")],
                resources: [.copy("migrations")]),
        .target(name: "Pipeline",
                dependencies: ["Imaging", "VideoIO", "Manifest", "Compression", "Yams",
                               .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "PseudoTrackCLI",
                          dependencies: ["VideoIO", "Imaging",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "Imaging", "TestMedia"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "Compression"]),
        .testTarget(name: "PipelineTests", dependencies: ["VideoIO", "Imaging", "TestMedia"]),
        .testTarget(name: "CLITests", dependencies: ["Manifest", "VideoIO", "TestMedia"]),
        // Test-only: synthetic videos with known content, encoded with libavcodec.
        .target(name: "TestMedia", dependencies: ["VideoIO", "Imaging"], path: "Tests/TestMedia"),
    ],
    swiftLanguageModes: [.v5]
)
