// Places queries of views without depth that epipolar SIFT matching could not place (or
// placed by two views only, unconfirmed), from the surface of their placed neighbours
// (quasi-dense propagation, Lhuillier & Quan, PAMI 2005): the anchors of the query's view
// and the placed points of other views that it was found to see, within `radiusPixels`
// of the query, give a plane (AnchorNeighbourhood.surface); depths along the
// query's ray within `searchMetres` of that plane are tried every `stepMetres`, and at each
// the query's patch (side 2·`patchRadius` + 1) is warped into every other view through the
// homography of the plane parallel to the fitted one through that depth (PlaneHomography)
// and correlated (ZNCC) there. The depth where the correlations sum highest places the
// query if, there, at least `minViews` other views correlate at `minCorrelation` or more
// and each of them best within `peakSteps` steps of it:
// an anchor of three views or more, which only those views then track. Placed queries
// place others in the next of `rounds` rounds, so a surface grows from a few SIFT anchors.
// Why: cameras 70–180° apart foreshorten a patch so much that SIFT seldom matches it and
// plain patch correlation is near zero (ZNCC median 0.0 at true correspondences on
// ../shared/bench rigs), but warped by the right plane the patch looks alike in every view
// that sees it; a wrong placement must correlate in two more views at once at one depth.
// Defaults: a 11×11 patch, ±5 cm every 2 mm (a fraction of a pixel at 3 m), ZNCC 0.8,
// neighbours within 40 px (about ten queries of a view). Measured on ../shared/bench rigs
// without depth (make bench, rigs; dev seed 11): 436, 552 and 69 tracks per rig where
// epipolar matching alone kept 39, 29 and none, every 3D label within 5 cm but one in
// 13,000; on rigs of seed 5011, not tuned on, 551, 178 and 318 where it kept none, 0.997
// or more within 5 cm (a query on a moving sphere's silhouette, its patch half ground,
// is placed on the ground: 84 cm off once the sphere moves).

import Geometry
import Imaging

struct SurfacePropagation {
    var radiusPixels = 40.0
    var searchMetres = 0.05
    var stepMetres = 0.002
    var patchRadius = 5
    var minCorrelation: Float = 0.8
    var minViews = 2
    var rounds = 8
    var peakSteps = 2
    /// Patch texture below this standard deviation (grey levels) is not correlated.
    var minContrast: Float = 3

    /// New placements (point, views that see it, the home view first) of the queries
    /// `open` marks, from the placed ones; `cameras[v][t]`, `grey[v][t]`.
    func propagate(placed: [(point: SIMD3<Double>, views: [Int])?], open: [Bool], pixels: [SIMD2<Double>], homes: [Int], frames: [Int],
                   cameras: [[PinholeCamera]], grey: [[GreyImage]], neighbourhood: AnchorNeighbourhood,
                   maxMetresPerPixel: Double) -> [(point: SIMD3<Double>, views: [Int])?] {
        let n = placed.count
        var all = placed
        var out = [(point: SIMD3<Double>, views: [Int])?](repeating: nil, count: n)
        var neighbours: [(ray: SIMD2<Double>, inverse: Double)] = []
        let side = 2 * patchRadius + 1
        var home = [Float](repeating: 0, count: side * side), other = home
        let steps = Int((searchMetres / stepMetres).rounded())
        var scores = [[Float]](repeating: [Float](repeating: -1, count: 2 * steps + 1), count: cameras.count)
        for _ in 0..<rounds {
            var added = 0
            // Per view, the placed points it sees (its own queries', and other views' that
            // it was found to see): where, and which.
            var seen = [[(pixel: SIMD2<Double>, point: Int)]](repeating: [], count: cameras.count)
            for q in 0..<n {
                guard let b = all[q] else { continue }
                for v in Set(b.views + [homes[q]]) {
                    let (pixel, z) = cameras[v][frames[q]].project(b.point)
                    if z > 0 { seen[v].append((v == homes[q] ? pixels[q] : pixel, q)) }
                }
            }
            let before = all
            for p in 0..<n where open[p] && out[p] == nil {
                let h = homes[p], t = frames[p], camera = cameras[h][t], u = pixels[p]
                neighbours.removeAll(keepingCapacity: true)
                var depths: [Double] = []
                for (pixel, q) in seen[h] where q != p {
                    let d = pixel - u
                    guard (d * d).sum() <= radiusPixels * radiusPixels else { continue }
                    let c = camera.toCamera(before[q]!.point)
                    guard c.z > 0 else { continue }
                    neighbours.append((SIMD2(c.x / c.z, c.y / c.z), 1 / c.z)); depths.append(c.z)
                }
                guard neighbours.count >= neighbourhood.minSupport else { continue }
                let typical = depths.sorted()[depths.count / 2]
                guard let plane = neighbourhood.surface(neighbours, tolerance: neighbourhood.toleranceMetres + neighbourhood.toleranceRelative * typical)
                else { continue }
                let ray = camera.inverseK * SIMD3(u.x, u.y, 1)
                let inverse = AnchorNeighbourhood.evaluate(plane, SIMD2(ray.x / ray.z, ray.y / ray.z))
                guard inverse > 0 else { continue }
                let z0 = 1 / inverse
                guard Self.patch(grey[h][t], centre: u, radius: patchRadius, homography: nil, into: &home),
                      Self.normalise(&home) >= minContrast else { continue }
                // Correlation in every other view at every depth tried.
                for w in cameras.indices where w != h {
                    for k in 0...(2 * steps) {
                        let z = z0 + Double(k - steps) * stepMetres
                        scores[w][k] = -1
                        guard z > 0 else { continue }
                        let (centre, depth) = cameras[w][t].project(camera.backProject(pixel: u, depth: z))
                        let image = grey[w][t], r = Double(patchRadius + 1)
                        guard depth > 0, centre.x >= r, centre.y >= r, centre.x <= Double(image.width - 1) - r,
                              centre.y <= Double(image.height - 1) - r else { continue }
                        let homography = PlaneHomography.between(camera, cameras[w][t], plane: plane * (z0 / z))
                        guard Self.patch(image, centre: u, radius: patchRadius, homography: homography, into: &other),
                              Self.normalise(&other) >= minContrast else { continue }
                        var zncc: Float = 0
                        for i in 0..<(side * side) { zncc += home[i] * other[i] }
                        scores[w][k] = zncc / Float(side * side)
                    }
                }
                var best = -1, bestScore: Float = 0
                for k in 1..<(2 * steps) {
                    var score: Float = 0
                    for w in cameras.indices where w != h { score += max(0, scores[w][k]) }
                    if score > bestScore { bestScore = score; best = k }
                }
                guard best >= 0 else { continue }
                // A view sees it there if it correlates well there and best nowhere farther
                // than `peakSteps` along the ray (a smooth or repeating texture peaks
                // broadly, or elsewhere, and places nothing).
                let seeing = cameras.indices.filter { w in
                    guard w != h, scores[w][best] >= minCorrelation else { return false }
                    let peak = scores[w].indices.max { scores[w][$0] < scores[w][$1] }!
                    return abs(peak - best) <= peakSteps
                }
                guard seeing.count >= minViews else { continue }
                let point = camera.backProject(pixel: u, depth: z0 + Double(best - steps) * stepMetres)
                let views = [h] + seeing
                guard Triangulation.metresPerPixel(point, cameras: views.map { cameras[$0][t] }) <= maxMetresPerPixel else { continue }
                out[p] = (point, views); all[p] = (point, views); added += 1
            }
            if added == 0 { break }
        }
        return out
    }

    /// The patch of `image` around `centre` (its pixels mapped by `homography` when given),
    /// row-major; false when a pixel maps to infinity.
    static func patch(_ image: GreyImage, centre: SIMD2<Double>, radius: Int, homography: Matrix3?, into out: inout [Float]) -> Bool {
        var i = 0
        for dy in -radius...radius {
            for dx in -radius...radius {
                var pixel = centre + SIMD2(Double(dx), Double(dy))
                if let homography {
                    guard let mapped = PlaneHomography.map(homography, pixel) else { return false }
                    pixel = mapped
                }
                out[i] = BilinearSample.at(image, Float(pixel.x), Float(pixel.y)); i += 1
            }
        }
        return true
    }

    /// Makes `values` zero-mean and unit-variance; returns their standard deviation before.
    static func normalise(_ values: inout [Float]) -> Float {
        let count = Float(values.count)
        let mean = values.reduce(0, +) / count
        var variance: Float = 0
        for v in values { variance += (v - mean) * (v - mean) }
        let deviation = (variance / count).squareRoot()
        guard deviation > 0 else { return 0 }
        for i in values.indices { values[i] = (values[i] - mean) / deviation }
        return deviation
    }
}
