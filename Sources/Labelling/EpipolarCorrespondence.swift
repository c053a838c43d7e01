// Finds a query of one calibrated view in the other views without depth, by guided SIFT
// matching (Hartley & Zisserman, §11.12 "guided matching"; Lowe, IJCV 2004, §7.1): the
// query's own SIFT descriptor (the points stage chose it as a SIFT keypoint) is compared
// with the descriptors of the other view's keypoints within `lineDistance` (1.5 px) of the
// query's epipolar segment (its ray between `nearMetres` and `farMetres`), and the nearest
// is accepted when it is closer than `maxDistance` (of OpenCV's 512-norm scale) and than
// `ratio` (0.8) × the second nearest on the segment. SIFT rather than patch correlation
// because rig views are far apart: a patch turns and foreshortens between cameras on a
// circle around the scene, and its correlation there is near zero (measured on
// ../shared/bench rigs: median ZNCC 0.0 at the true correspondences). The same
// descriptors check that a view without depth shows a point projected into it: a keypoint
// within `pointDistance` (2.5 px) of the projection whose descriptor is that close.
// Keypoints are computed once per view and frame and kept for the clip.

import Features
import Geometry
import Imaging

final class EpipolarCorrespondence {
    var lineDistance = 1.5
    var pointDistance: Float = 2.5
    var maxDistance: Float = 300
    var ratio: Float = 0.8
    var nearMetres = 0.1
    var farMetres = 100.0

    private let sift = SIFT()
    private var cache: [SIMD2<Int32>: (keypoints: [SIFTKeypoint], descriptors: [Float])] = [:]
    private let length = SIFT.descriptorLength

    private func features(_ image: GreyImage, view: Int, frame: Int) -> (keypoints: [SIFTKeypoint], descriptors: [Float]) {
        let key = SIMD2(Int32(view), Int32(frame))
        if let found = cache[key] { return found }
        let keypoints = sift.detect(image)
        let entry = (keypoints, sift.describe(keypoints))
        cache[key] = entry
        return entry
    }

    /// The descriptor of the SIFT keypoint at `pixel` (within 1 px) of view `view`, frame `frame`.
    func descriptor(_ image: GreyImage, view: Int, frame: Int, at pixel: SIMD2<Float>) -> [Float]? {
        let (keypoints, descriptors) = features(image, view: view, frame: frame)
        var best = -1, bestDistance: Float = 1
        for (k, p) in keypoints.enumerated() {
            let d = SIMD2(p.x, p.y) - pixel
            let d2 = (d * d).sum()
            if d2 <= bestDistance { best = k; bestDistance = d2 }
        }
        return best < 0 ? nil : Array(descriptors[(best * length)..<((best + 1) * length)])
    }

    private func distance(_ a: [Float], _ descriptors: [Float], _ k: Int) -> Float {
        var sum: Float = 0
        for i in 0..<length { let d = a[i] - descriptors[k * length + i]; sum += d * d }
        return sum.squareRoot()
    }

    /// Where view `other` (frame `frame`) shows the query of `camera` at `pixel`, if it does unambiguously.
    func match(_ descriptor: [Float], pixel: SIMD2<Double>, camera: PinholeCamera,
               in image: GreyImage, view: Int, frame: Int, other: PinholeCamera) -> SIMD2<Float>? {
        guard let (a, b) = Triangulation.epipolarSegment(pixel, of: camera, in: other, near: nearMetres, far: farMetres) else { return nil }
        let (keypoints, descriptors) = features(image, view: view, frame: frame)
        let direction = b - a
        let length2 = (direction * direction).sum()
        guard length2 > 0 else { return nil }
        var best = -1, first = Float.infinity, second = Float.infinity
        for (k, p) in keypoints.enumerated() {
            let q = SIMD2(Double(p.x), Double(p.y)) - a
            let along = (q * direction).sum() / length2
            guard along >= 0, along <= 1 else { continue }
            let off = q - direction * along
            guard (off * off).sum() <= lineDistance * lineDistance else { continue }
            let d = distance(descriptor, descriptors, k)
            if d < first { second = first; first = d; best = k } else if d < second { second = d }
        }
        guard best >= 0, first <= maxDistance, first <= ratio * second else { return nil }
        return SIMD2(keypoints[best].x, keypoints[best].y)
    }

    /// Whether view `view` (frame `frame`) shows the query at `pixel`, a projection into it.
    func shows(_ descriptor: [Float], in image: GreyImage, view: Int, frame: Int, at pixel: SIMD2<Double>) -> Bool {
        let (keypoints, descriptors) = features(image, view: view, frame: frame)
        let target = SIMD2(Float(pixel.x), Float(pixel.y))
        return keypoints.indices.contains { k in
            let d = SIMD2(keypoints[k].x, keypoints[k].y) - target
            return (d * d).sum() <= pointDistance * pointDistance && distance(descriptor, descriptors, k) <= maxDistance
        }
    }
}
