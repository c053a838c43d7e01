// How much memory one worker will need, estimated from the manifest before N workers
// start: the largest clip's stored frames (stored width × height × clip length × views ×
// InputLimits.bytesPerStoredPixel), twice over for the stages' own buffers (pyramids,
// flow fields, the encoded sample), plus a fixed base for the process. `run` lowers the
// worker count when N of them would not fit in the machine's memory (and says so), and
// refuses to start when not even one fits, unless `--ignore-memory-estimate`.

import Foundation
import Manifest
import Pipeline
import PipelineDefinition

enum WorkerMemoryEstimate {
    static let baseBytes = 256 << 20

    /// Bytes one worker needs for the largest clip of `manifest` (clips of `length` frames).
    static func bytes(manifest: ManifestDatabase, length: Int) throws -> Int {
        let largest = try manifest.largestClip()
        let clip = InputLimits.clipBytes(width: largest.storedPixels, height: 1, frames: length, views: largest.views)
        let (doubled, overflow) = clip.multipliedReportingOverflow(by: 2)
        return overflow ? Int.max : doubled.addingReportingOverflow(baseBytes).overflow ? Int.max : doubled + baseBytes
    }

    /// How many of `requested` workers fit in `memory` bytes (at most 90% of it).
    static func workers(_ requested: Int, perWorker: Int, memory: UInt64) -> Int {
        let usable = Double(memory) * 0.9
        return min(requested, Int(usable / Double(max(1, perWorker))))
    }
}
