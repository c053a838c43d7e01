import ArgumentParser
import Foundation
import VideoIO

struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Frames per second decoding a video to grey Float at its native size (median of several runs).")

    @Argument(help: "A video file.") var video: String
    @Option(help: "Decoder threads (0 = auto).") var threads = 0
    @Option(help: "Timed runs; the median is reported.") var runs = 3
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let info = try VideoProbe.probe(video)
        var rates: [Double] = []
        var checksum = 0.0
        for _ in 0..<max(1, runs) {
            let reader = try VideoReader(path: video, info: info, threads: threads)
            let start = DispatchTime.now().uptimeNanoseconds
            var frames = 0
            try reader.readAll { frame in
                frames += 1
                checksum += Double(frame.grey!.pixels[frame.grey!.pixels.count / 2])
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(frames) / seconds)
        }
        let rate = median(rates)
        let peak = ProcessMemory.peakResidentBytes()
        if json {
            print(try JSONText.encode(BenchDecodeResult(video: video, codec: info.codec, width: info.width, height: info.height,
                                                        frames: info.frameCount, threads: threads, runs: rates.count,
                                                        frames_per_second: rate, all_runs: rates.sorted(),
                                                        peak_rss_mb: Double(peak) / 1_048_576)))
        } else {
            print(String(format: "%@: %d frames %dx%d %@, %.1f frames/s (median of %d, threads %d), peak RSS %.0f MB",
                         video, info.frameCount, info.width, info.height, info.codec, rate, rates.count, threads,
                         Double(peak) / 1_048_576))
        }
        _ = checksum
    }
}

struct BenchDecodeResult: Encodable {
    var video: String
    var codec: String
    var width: Int
    var height: Int
    var frames: Int
    var threads: Int
    var runs: Int
    var frames_per_second: Double
    var all_runs: [Double]
    var peak_rss_mb: Double
}
