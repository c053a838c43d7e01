// A SIFT keypoint in input-image pixels (integer = pixel centre). OpenCV reports every
// keypoint a quarter pixel right of and below this position: it maps pixel c of the
// doubled image to c / 2, where the pixel-centre map of its bilinear enlargement is
// c / 2 − 0.25, and every coarser octave is decimated from the doubled image, so the
// quarter pixel carries through all of them (ops/bench/sift_reference.py measures it: the
// two agree to 3e-5 px after the shift, and a 180° flip test shows this position exact).

public struct SIFTKeypoint: Codable, Equatable, Sendable {
    public var x: Float
    public var y: Float
    /// Blur scale at the input resolution (OpenCV's `size` is 2σ).
    public var sigma: Float
    /// Dominant gradient orientation in degrees, with OpenCV's convention for `angle`.
    public var orientation: Float
    /// |D(x̂)|, the interpolated difference-of-Gaussians contrast on a 0…1 scale.
    public var response: Float
    /// Octave: −1 for the doubled image, 0 for the input size, …
    public var octave: Int

    // Where the keypoint lives in the scale space, for orientation and description.
    var pyramidOctave: Int = 0
    var layer: Int = 0
    var octaveX: Float = 0
    var octaveY: Float = 0
    var octaveSigma: Float = 0
    var sampleX = 0
    var sampleY = 0

    enum CodingKeys: String, CodingKey { case x, y, sigma, orientation, response, octave }

    public init(x: Float, y: Float, sigma: Float, orientation: Float, response: Float, octave: Int) {
        self.x = x; self.y = y; self.sigma = sigma; self.orientation = orientation
        self.response = response; self.octave = octave
    }
}
