// One view of a clip as this module's trackers read it: its grey (and RGB) frames and, for
// a view of a calibrated rig, its camera at each frame and its depth. Pipeline's ClipView,
// which the worker decodes, is one.

import Geometry
import Imaging

public protocol TrackedView {
    var name: String { get }
    /// Grey frames at the stored resolution, [T] of H×W, 0…255.
    var grey: [GreyImage] { get }
    /// RGB frames at the stored resolution, when a stage asked for them.
    var rgb: [RGBImage]? { get }
    /// A rig view's camera at each frame, for stored pixels.
    var cameras: [PinholeCamera]? { get }
    /// A rig view's depth at each frame at the stored size, when it has depth.
    var depth: [DepthMap]? { get }
}
