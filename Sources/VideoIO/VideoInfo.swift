// What probing a video file tells: container, codec, sizes, rate, exact frame count,
// rotation, and the presentation timestamp of every frame (the table that makes
// frame-accurate seeking possible, including variable frame rate and B-frames).

public struct VideoInfo: Codable, Equatable, Sendable {
    public var path: String
    /// Demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm".
    public var container: String
    /// Decoder name of the video stream, e.g. "h264", "mpeg4".
    public var codec: String
    /// Size as coded in the stream.
    public var codedWidth: Int
    public var codedHeight: Int
    /// Pixel format name as decoded, e.g. "yuv420p".
    public var pixelFormat: String
    /// Average frame rate in frames per second (frame count / duration when the container
    /// gives none).
    public var frameRate: Double
    /// Exact number of frames: the stream's packets counted, not the container's estimate.
    public var frameCount: Int
    /// The number the container itself announced (0 when it announced none).
    public var containerFrameCount: Int
    /// Duration in seconds.
    public var duration: Double
    /// Display rotation, degrees counter-clockwise, a multiple of 90.
    public var rotation: Int
    /// The stream's time base as (numerator, denominator).
    public var timeBaseNumerator: Int32
    public var timeBaseDenominator: Int32
    /// Presentation timestamps of the frames in display order, in the stream time base;
    /// empty when the stream carries no usable timestamps (then frames are found by
    /// decoding from the start and counting).
    public var frameTimestamps: [Int64]
    /// True when the gaps between frames vary by more than 1% (variable frame rate).
    public var variableFrameRate: Bool

    public init(path: String, container: String, codec: String, codedWidth: Int, codedHeight: Int,
                pixelFormat: String, frameRate: Double, frameCount: Int, containerFrameCount: Int, duration: Double,
                rotation: Int, timeBaseNumerator: Int32, timeBaseDenominator: Int32, frameTimestamps: [Int64],
                variableFrameRate: Bool) {
        self.path = path; self.container = container; self.codec = codec
        self.codedWidth = codedWidth; self.codedHeight = codedHeight; self.pixelFormat = pixelFormat
        self.frameRate = frameRate; self.frameCount = frameCount; self.containerFrameCount = containerFrameCount
        self.duration = duration; self.rotation = rotation
        self.timeBaseNumerator = timeBaseNumerator; self.timeBaseDenominator = timeBaseDenominator
        self.frameTimestamps = frameTimestamps; self.variableFrameRate = variableFrameRate
    }

    /// Size as displayed (rotation applied).
    public var width: Int { rotation % 180 == 0 ? codedWidth : codedHeight }
    public var height: Int { rotation % 180 == 0 ? codedHeight : codedWidth }

    /// Timestamps are usable for seeking.
    public var seekable: Bool { frameTimestamps.count == frameCount && frameCount > 0 }

    /// Time of frame `index` in seconds from the first frame.
    public func time(ofFrame index: Int) -> Double {
        if seekable {
            return Double(frameTimestamps[index] - frameTimestamps[0]) * Double(timeBaseNumerator) / Double(timeBaseDenominator)
        }
        return frameRate > 0 ? Double(index) / frameRate : 0
    }
}
