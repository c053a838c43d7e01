// Converts decoded AVFrames into the engine's buffers at a FrameGeometry: grey Float in
// 0…255 and interleaved RGB UInt8. Resizing happens in the coded orientation with swscale
// (area averaging when shrinking, bicubic when enlarging), then the display rotation, then
// the crop or pad window.
//
// Grey comes straight from the luma plane for 8-bit YUV formats (expanding limited-range
// 16…235 to 0…255 as swscale does), which avoids a colour conversion per pixel; every other
// format goes through RGB and the BT.601 luma weights, as OpenCV's cvtColor does.
// The converter owns its swscale contexts and scratch planes and reuses them across frames.

import CFFmpeg
import Imaging

final class FrameConverter {
    let geometry: FrameGeometry
    let turn: QuarterTurn
    private var lumaScaler: OpaquePointer?
    private var lumaScalerKey: (Int32, Int32) = (0, 0)
    private var rgbScaler: OpaquePointer?
    private var rgbScalerKey: (Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0)
    private var lumaScratch: [UInt8] = []

    /// Scaled size in the coded orientation (before the rotation).
    private var codedScaledWidth: Int { turn.swapsAxes ? geometry.scaledHeight : geometry.scaledWidth }
    private var codedScaledHeight: Int { turn.swapsAxes ? geometry.scaledWidth : geometry.scaledHeight }

    init(geometry: FrameGeometry, rotation: Int) {
        self.geometry = geometry
        self.turn = QuarterTurn(degreesCounterClockwise: Double(rotation))
    }

    deinit {
        sws_freeContext(lumaScaler)
        sws_freeContext(rgbScaler)
    }

    private static let lumaFormats: Set<Int32> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P,
        AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV440P, AV_PIX_FMT_YUVJ440P,
        AV_PIX_FMT_YUV411P, AV_PIX_FMT_YUV410P, AV_PIX_FMT_NV12, AV_PIX_FMT_NV21, AV_PIX_FMT_GRAY8,
    ].reduce(into: Set<Int32>()) { $0.insert($1.rawValue) }

    private static func isFullRange(_ frame: UnsafePointer<AVFrame>) -> Bool {
        let f = frame.pointee.format
        return frame.pointee.color_range == AVCOL_RANGE_JPEG || f == AV_PIX_FMT_GRAY8.rawValue
            || f == AV_PIX_FMT_YUVJ420P.rawValue || f == AV_PIX_FMT_YUVJ422P.rawValue
            || f == AV_PIX_FMT_YUVJ444P.rawValue || f == AV_PIX_FMT_YUVJ440P.rawValue
    }

    private func scalingFlags(_ srcW: Int32, _ srcH: Int32) -> Int32 {
        (Int(srcW) > codedScaledWidth || Int(srcH) > codedScaledHeight) ? SWS_AREA : SWS_BICUBIC
    }

    func grey(_ frame: UnsafePointer<AVFrame>) throws -> GreyImage {
        let f = frame.pointee
        guard FrameConverter.lumaFormats.contains(f.format) else {
            return try rgb(frame).grey()
        }
        let w = codedScaledWidth, h = codedScaledHeight
        var plane = [Float](unsafeUninitializedCapacity: w * h) { _, n in n = w * h }
        let full = FrameConverter.isFullRange(frame)
        if Int(f.width) == w && Int(f.height) == h {
            FrameConverter.expand(f.data.0!, stride: Int(f.linesize.0), width: w, height: h, fullRange: full, into: &plane)
        } else {
            if lumaScaler == nil || lumaScalerKey != (f.width, f.height) {
                sws_freeContext(lumaScaler)
                lumaScaler = sws_getContext(f.width, f.height, AV_PIX_FMT_GRAY8, Int32(w), Int32(h), AV_PIX_FMT_GRAY8,
                                            scalingFlags(f.width, f.height), nil, nil, nil)
                lumaScalerKey = (f.width, f.height)
                guard lumaScaler != nil else { throw VideoError.invalidRequest(path: "", message: "swscale cannot resize \(f.width)x\(f.height) to \(w)x\(h)") }
            }
            let stride = (w + 31) & ~31
            if lumaScratch.count < stride * h { lumaScratch = [UInt8](repeating: 0, count: stride * h) }
            lumaScratch.withUnsafeMutableBufferPointer { scratch in
                var srcData: [UnsafePointer<UInt8>?] = [UnsafePointer(f.data.0), nil, nil, nil]
                var srcStride: [Int32] = [f.linesize.0, 0, 0, 0]
                var dstData: [UnsafeMutablePointer<UInt8>?] = [scratch.baseAddress, nil, nil, nil]
                var dstStride: [Int32] = [Int32(stride), 0, 0, 0]
                _ = sws_scale(lumaScaler, &srcData, &srcStride, 0, f.height, &dstData, &dstStride)
                FrameConverter.expand(scratch.baseAddress!, stride: stride, width: w, height: h, fullRange: full, into: &plane)
            }
        }
        let turned = turn.apply(plane, width: w, height: h, channels: 1)
        let pixels = window(turned, channels: 1, fill: Float(0))
        return GreyImage(width: geometry.width, height: geometry.height, pixels: pixels)
    }

    func rgb(_ frame: UnsafePointer<AVFrame>) throws -> RGBImage {
        let f = frame.pointee
        let w = codedScaledWidth, h = codedScaledHeight
        let key = (f.width, f.height, f.format, Int32(f.colorspace.rawValue), Int32(f.color_range.rawValue))
        if rgbScaler == nil || rgbScalerKey != key {
            sws_freeContext(rgbScaler)
            rgbScaler = sws_getContext(f.width, f.height, AVPixelFormat(rawValue: f.format), Int32(w), Int32(h),
                                       AV_PIX_FMT_RGB24, scalingFlags(f.width, f.height) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                       nil, nil, nil)
            guard let scaler = rgbScaler else {
                throw VideoError.invalidRequest(path: "", message: "swscale cannot convert pixel format \(f.format) to RGB")
            }
            let matrix = f.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601
            let coefficients = sws_getCoefficients(matrix)
            let srcFull: Int32 = FrameConverter.isFullRange(frame) ? 1 : 0
            _ = sws_setColorspaceDetails(scaler, coefficients, srcFull, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
            rgbScalerKey = key
        }
        var bytes = [UInt8](repeating: 0, count: w * h * 3)
        bytes.withUnsafeMutableBufferPointer { out in
            var srcData: [UnsafePointer<UInt8>?] = [UnsafePointer(f.data.0), UnsafePointer(f.data.1), UnsafePointer(f.data.2), UnsafePointer(f.data.3)]
            var srcStride: [Int32] = [f.linesize.0, f.linesize.1, f.linesize.2, f.linesize.3]
            var dstData: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(w * 3), 0, 0, 0]
            _ = sws_scale(rgbScaler, &srcData, &srcStride, 0, f.height, &dstData, &dstStride)
        }
        let turned = turn.apply(bytes, width: w, height: h, channels: 3)
        return RGBImage(width: geometry.width, height: geometry.height, bytes: window(turned, channels: 3, fill: 0))
    }

    /// 8-bit luma to Float 0…255; limited range 16…235 is stretched and clamped.
    /// Written as a plain loop with selects (not min/max, whose NaN rules block it) so the
    /// compiler vectorises it: 0.4 ms for a 1280×720 plane, measured against a lookup
    /// table (0.5 ms) and explicit SIMD8 conversions (2.7 ms).
    private static func expand(_ src: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int,
                               fullRange: Bool, into out: inout [Float]) {
        let gain: Float = fullRange ? 1 : 255 / 219
        let bias: Float = fullRange ? 0 : -16 * 255 / 219
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                let row = src + y * stride
                let o = dst.baseAddress! + y * width
                for x in 0..<width {
                    var v = Float(row[x]) * gain + bias
                    v = v < 0 ? 0 : v
                    o[x] = v > 255 ? 255 : v
                }
            }
        }
    }

    /// Cuts the stored window out of the scaled, rotated picture (or pads it).
    private func window<T>(_ scaled: [T], channels: Int, fill: T) -> [T] {
        let g = geometry
        if g.cropX == 0 && g.cropY == 0 && g.width == g.scaledWidth && g.height == g.scaledHeight { return scaled }
        var out = [T](repeating: fill, count: g.width * g.height * channels)
        let x0 = max(0, -g.cropX), x1 = min(g.width, g.scaledWidth - g.cropX)
        guard x1 > x0 else { return out }
        scaled.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<g.height {
                    let sy = y + g.cropY
                    guard sy >= 0 && sy < g.scaledHeight else { continue }
                    let s = (sy * g.scaledWidth + x0 + g.cropX) * channels, d = (y * g.width + x0) * channels
                    for i in 0..<((x1 - x0) * channels) { dst[d + i] = src[s + i] }
                }
            }
        }
        return out
    }
}
