// One view of a clip as the worker decodes it (Labelling's TrackedView, plus the video's
// manifest record).

import Geometry
import Imaging
import Labelling
import Manifest

/// One view of a clip: the only one of a video, one per camera of a rig.
public struct ClipView {
    public var name: String
    /// Grey frames at the stored resolution, [T] of H×W, 0…255.
    public var grey: [GreyImage]
    /// RGB frames at the stored resolution, when a stage asked for them.
    public var rgb: [RGBImage]?
    /// A rig view's camera at each frame, for stored pixels.
    public var cameras: [PinholeCamera]?
    /// A rig view's depth at each frame at the stored size, when it has depth and a stage asked for it.
    public var depth: [DepthMap]?
    /// The view's video as the manifest records it (calibration and depth source included).
    public var record: VideoRecord?

    public init(name: String = "main", grey: [GreyImage], rgb: [RGBImage]? = nil, cameras: [PinholeCamera]? = nil,
                depth: [DepthMap]? = nil, record: VideoRecord? = nil) {
        self.name = name; self.grey = grey; self.rgb = rgb; self.cameras = cameras; self.depth = depth; self.record = record
    }
}

extension ClipView: TrackedView {}
