// One RGB frame as a baseline JPEG file, with libavcodec's MJPEG encoder (full-range
// YUV 4:2:0 through swscale): the report's posters, which a page shows before any video
// is loaded. Written whole, then renamed into place (StillImageEncoder).

import CFFmpeg
import Foundation
import Imaging

public enum JPEGStill {
    /// Writes `image` to `path`; `quality` is the MJPEG qscale (2 best … 31 worst).
    public static func write(_ image: RGBImage, to path: String, quality: Int = 4) throws {
        try StillImageEncoder.write(to: path, codec: AV_CODEC_ID_MJPEG, name: "MJPEG", pixelFormat: AV_PIX_FMT_YUVJ420P,
                                    width: image.width, height: image.height, qscale: quality) { frame in
            let scaler = sws_getContext(Int32(image.width), Int32(image.height), AV_PIX_FMT_RGB24,
                                        Int32(image.width), Int32(image.height), AV_PIX_FMT_YUVJ420P,
                                        SWS_BICUBIC | SWS_ACCURATE_RND, nil, nil, nil)
            defer { sws_freeContext(scaler) }
            image.bytes.withUnsafeBufferPointer { rgb in
                var srcData: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
                var srcStride: [Int32] = [Int32(image.width * 3), 0, 0, 0]
                var dstData: [UnsafeMutablePointer<UInt8>?] = [frame.pointee.data.0, frame.pointee.data.1, frame.pointee.data.2, nil]
                var dstStride: [Int32] = [frame.pointee.linesize.0, frame.pointee.linesize.1, frame.pointee.linesize.2, 0]
                _ = sws_scale(scaler, &srcData, &srcStride, 0, Int32(image.height), &dstData, &dstStride)
            }
        }
    }
}
