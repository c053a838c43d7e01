import Features
import Imaging
import Synthetic
import XCTest

final class SIFTTests: XCTestCase {
    /// Bright Gaussian blobs of std `s` on a dark background, at sub-pixel centres.
    private func blobs(_ centres: [(Float, Float)], s: Float, width: Int = 160, height: Int = 128) -> GreyImage {
        var image = GreyImage(width: width, height: height, value: 20)
        for y in 0..<height {
            for x in 0..<width {
                var v: Float = 0
                for (cx, cy) in centres {
                    let d2 = (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)
                    v += 200 * expf(-d2 / (2 * s * s))
                }
                image[x, y] += v
            }
        }
        return image
    }

    private func texture(_ width: Int = 256, _ height: Int = 256, seed: UInt64 = 3) -> GreyImage {
        ProceduralTexture(width: width, height: height, seed: seed, scale: 24).window(x: 0, y: 0, width: width, height: height).grey()
    }

    func testBlobCentresAndScales() {
        let centres: [(Float, Float)] = [(40.3, 35.7), (110.0, 40.25), (75.6, 90.1)]
        for s: Float in [2.5, 4] {
            let keypoints = SIFT().detect(blobs(centres, s: s))
            for (cx, cy) in centres {
                let nearest = keypoints.min { hypotf($0.x - cx, $0.y - cy) < hypotf($1.x - cx, $1.y - cy) }
                XCTAssertNotNil(nearest)
                XCTAssertLessThan(hypotf(nearest!.x - cx, nearest!.y - cy), 0.5, "blob at (\(cx), \(cy)), σ \(s)")
                // The scale-normalised Laplacian of a Gaussian blob of std s peaks at σ = s.
                XCTAssertEqual(nearest!.sigma, s, accuracy: 0.2 * s)
            }
        }
    }

    func testNothingOnAFlatImage() {
        XCTAssertTrue(SIFT().detect(GreyImage(width: 128, height: 96, value: 90)).isEmpty)
    }

    func testQuarterTurnGivesTheSameKeypointsTurned() {
        let image = texture()
        let turned = GreyImage(width: image.height, height: image.width,
                               pixels: QuarterTurn.counterClockwise90.apply(image.pixels, width: image.width, height: image.height, channels: 1))
        let sift = SIFT()
        let a = sift.detect(image).sorted { $0.response > $1.response }.prefix(200)
        let b = sift.detect(turned)
        XCTAssertGreaterThan(a.count, 100)
        var repeated = 0, orientationAgrees = 0
        for k in a {
            // Counter-clockwise quarter turn: (x, y) → (y, W − 1 − x).
            let x = k.y, y = Float(image.width - 1) - k.x
            guard let m = b.min(by: { hypotf($0.x - x, $0.y - y) < hypotf($1.x - x, $1.y - y) }),
                  hypotf(m.x - x, m.y - y) < 1, abs(m.sigma - k.sigma) < 0.2 * k.sigma else { continue }
            repeated += 1
            // OpenCV's angle runs clockwise on screen: the picture turned 90° counter-clockwise
            // turns every orientation by −90°.
            let candidates = b.filter { hypotf($0.x - x, $0.y - y) < 1 }
            if candidates.contains(where: { abs(remainder($0.orientation - (k.orientation - 90), 360)) < 3 }) { orientationAgrees += 1 }
        }
        // Not exact: the 2× enlargement and the decimation by 2 are not symmetric under a
        // quarter turn of an even-sized image (even pixels become odd ones). Measured 0.875 / 0.89.
        XCTAssertGreaterThan(Double(repeated) / Double(a.count), 0.8, "repeatability under a quarter turn")
        XCTAssertGreaterThan(Double(orientationAgrees) / Double(repeated), 0.8)
    }

    func testHalfSizeCopyFindsTheCoarseKeypoints() {
        let image = texture(320, 320)
        // 2×2 area average: small pixel (u, v) covers big pixels 2u, 2u + 1.
        var small = GreyImage(width: 160, height: 160)
        for v in 0..<160 { for u in 0..<160 {
            small[u, v] = (image[2 * u, 2 * v] + image[2 * u + 1, 2 * v] + image[2 * u, 2 * v + 1] + image[2 * u + 1, 2 * v + 1]) / 4
        } }
        let sift = SIFT()
        let coarse = sift.detect(image).filter { $0.sigma > 3.5 }.sorted { $0.response > $1.response }.prefix(60)
        let found = sift.detect(small)
        XCTAssertGreaterThan(coarse.count, 20)
        var repeated = 0
        for k in coarse {
            let x = (k.x + 0.5) / 2 - 0.5, y = (k.y + 0.5) / 2 - 0.5
            if found.contains(where: { hypotf($0.x - x, $0.y - y) < 1 && abs($0.sigma - k.sigma / 2) < 0.25 * k.sigma / 2 }) { repeated += 1 }
        }
        XCTAssertGreaterThan(Double(repeated) / Double(coarse.count), 0.7, "repeatability at half size")
    }

    func testDescriptorsMatchUnderAQuarterTurn() {
        let image = texture(200, 200, seed: 9)
        let turned = GreyImage(width: 200, height: 200,
                               pixels: QuarterTurn.counterClockwise90.apply(image.pixels, width: 200, height: 200, channels: 1))
        let sift = SIFT()
        let ka = sift.detect(image); let da = sift.describe(ka)
        let kb = sift.detect(turned); let db = sift.describe(kb)
        let n = SIFT.descriptorLength
        XCTAssertEqual(da.count, ka.count * n)
        XCTAssertTrue(da.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
        var correct = 0, matched = 0
        for i in 0..<ka.count {
            var best = Float.infinity, second = Float.infinity, bestJ = -1
            for j in 0..<kb.count {
                var d: Float = 0
                for k in 0..<n { let e = da[i * n + k] - db[j * n + k]; d += e * e }
                if d < best { second = best; best = d; bestJ = j } else if d < second { second = d }
            }
            guard bestJ >= 0, best < 0.64 * second else { continue }  // ratio 0.8 on distances
            matched += 1
            let x = ka[i].y, y = Float(199) - ka[i].x
            if hypotf(kb[bestJ].x - x, kb[bestJ].y - y) < 2 { correct += 1 }
        }
        XCTAssertGreaterThan(matched, ka.count / 2)
        XCTAssertGreaterThan(Double(correct) / Double(matched), 0.95)
    }
}
