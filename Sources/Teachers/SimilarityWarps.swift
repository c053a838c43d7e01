// The similarity warps a query patch is seen through when it is matched far from its
// query frame (an object turns and changes scale): a grid of rotations in `rotationStep`
// radians and scales in powers of `scaleStep`, at most `rotationSteps` and `scaleSteps`
// steps from none. Defaults: 0.1 rad and 2^(1/8), up to ±1.2 rad and ×/÷ 2, the range the
// template teacher was measured with (TemplateTeacher's header). A warp is (rotation steps,
// scale steps); the template teacher and query anchoring (Labelling) both walk this grid,
// trying at each frame the warp found at the last and its neighbours.

import Foundation
import Imaging

public struct SimilarityWarps: Sendable, Equatable {
    public var rotationStep: Float = 0.1
    public var rotationSteps = 12
    public var scaleStep: Float = 1.0905  // 2^(1/8)
    public var scaleSteps = 8
    public init() {}

    /// The eight warps around one, rotation-major (the template teacher's order).
    public static let allNeighbours: [SIMD2<Int32>] = [SIMD2(-1, -1), SIMD2(-1, 0), SIMD2(-1, 1), SIMD2(0, -1),
                                                        SIMD2(0, 1), SIMD2(1, -1), SIMD2(1, 0), SIMD2(1, 1)]
    /// The four that change one of rotation and scale (query anchoring's order).
    public static let axisNeighbours: [SIMD2<Int32>] = [SIMD2(1, 0), SIMD2(-1, 0), SIMD2(0, 1), SIMD2(0, -1)]

    /// `warp` first, then `warp` moved by each of `steps` where that stays within the
    /// bounds. The order decides between equal matches.
    public func neighbourhood(of warp: SIMD2<Int32>, steps: [SIMD2<Int32>]) -> [SIMD2<Int32>] {
        var out = [warp]
        for d in steps {
            let w = warp &+ d
            if abs(w.x) <= Int32(rotationSteps) && abs(w.y) <= Int32(scaleSteps) { out.append(w) }
        }
        return out
    }

    /// The query patch of side 2·radius + 1 at `point` of `pyramid`, seen through `warp`.
    public func template(_ pyramid: [GreyImage], point: SIMD2<Float>, radius: Int, warp: SIMD2<Int32>) -> QueryTemplate {
        QueryTemplate(pyramid: pyramid, point: point, radius: radius,
                      rotation: Float(warp.x) * rotationStep, scale: pow(scaleStep, Float(warp.y)))
    }
}
