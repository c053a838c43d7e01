// Bounds on what one input may cost, checked before the cost is paid. Each has a default
// that fits an ordinary machine and is raised on the command line when a corpus needs more
// (`pseudotrack ingest --max-pixels … --max-rig-cameras … --max-clip-bytes …`,
// `pseudotrack ingest|run --max-pipeline-bytes …`). An input over a limit is one failed
// source (kind `too-large`) whose error names the file, the limit and the option; the
// rest of the corpus goes on.

public struct InputLimits: Sendable, Equatable {
    /// Source pixels per frame (width × height as decoded). 8K UHD (7680×4320, 33 MP)
    /// fits; a 16000×16000 frame (256 MP, over 1 GB per worker in decoder buffers) does not.
    public var maxPixelsPerFrame = 40_000_000
    /// Cameras per rig: every view of a clip is decoded and held at once.
    public var maxRigCameras = InputLimits.defaultMaxRigCameras
    /// Bytes of one clip's stored frames held in a worker's memory: stored width × height
    /// × frames × views × `bytesPerStoredPixel`. 2 GiB holds a 48-frame clip of 4K frames.
    public var maxClipBytes = 2 << 30
    /// A pipeline YAML is a page of settings; a larger file is refused before it is parsed
    /// (it is also stored in the manifest).
    public var maxPipelineBytes = 1 << 20

    /// The default of `maxRigCameras`.
    public static let defaultMaxRigCameras = 64

    /// Grey (Float) and RGB (3 bytes) per stored pixel.
    public static let bytesPerStoredPixel = 7

    public init() {}

    /// The memory one clip's frames take in a worker.
    public static func clipBytes(width: Int, height: Int, frames: Int, views: Int) -> Int {
        let (a, o1) = width.multipliedReportingOverflow(by: height)
        let (b, o2) = a.multipliedReportingOverflow(by: frames)
        let (c, o3) = b.multipliedReportingOverflow(by: max(1, views))
        let (d, o4) = c.multipliedReportingOverflow(by: bytesPerStoredPixel)
        return o1 || o2 || o3 || o4 ? Int.max : d
    }
}
