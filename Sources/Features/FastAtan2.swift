// atan2 in degrees, 0…360, from a degree-9 odd minimax polynomial for atan on [0, 1]
// (Abramowitz & Stegun, Handbook of Mathematical Functions, 4.4.47: |error| ≤ 1e-5 rad,
// 6e-4°), folded to the other octants. SIFT's orientation and descriptor histograms
// take one per sample; libm's atan2f costs several times more and the histograms'
// 10° and 45° bins cannot tell the difference.

@inline(__always)
func fastAtan2Degrees(_ y: Float, _ x: Float) -> Float {
    let ax = abs(x), ay = abs(y)
    let big = max(ax, ay)
    if big == 0 { return 0 }
    let t = min(ax, ay) / big
    let t2 = t * t
    var a = t * (0.9998660 + t2 * (-0.3302995 + t2 * (0.1801410 + t2 * (-0.0851330 + t2 * 0.0208351))))
    a *= 57.29577951308232  // to degrees
    if ay > ax { a = 90 - a }
    if x < 0 { a = 180 - a }
    if y < 0 { a = 360 - a }
    return a >= 360 ? a - 360 : a
}

/// The same approximation, eight lanes at a time, without branches (selects instead).
@inline(__always)
func fastAtan2Degrees(_ y: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
    let ax = x.replacing(with: -x, where: x .< 0), ay = y.replacing(with: -y, where: y .< 0)
    let big = ax.replacing(with: ay, where: ay .> ax)
    let small = ax.replacing(with: ay, where: ay .< ax)
    let safe = big.replacing(with: 1, where: big .== 0)
    let t = small / safe
    let t2 = t * t
    var p = 0.0208351 * t2 - 0.0851330
    p = p * t2 + 0.1801410
    p = p * t2 - 0.3302995
    p = p * t2 + 0.9998660
    var a = t * p * 57.29577951308232
    a = a.replacing(with: 90 - a, where: ay .> ax)
    a = a.replacing(with: 180 - a, where: x .< 0)
    a = a.replacing(with: 360 - a, where: y .< 0)
    a = a.replacing(with: a - 360, where: a .>= 360)
    return a.replacing(with: 0, where: big .== 0)
}
