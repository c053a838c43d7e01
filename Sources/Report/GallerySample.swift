// The clips the gallery shows: a sample of the labelled clips (state done) that is the
// same every time the report is built from the same manifest, whatever the order or
// number of workers that labelled it: clips are ranked by a hash of the pipeline's seed
// and the clip id (Seeding.SeededGenerator.derive) and the first `count` are taken,
// then shown in clip order. Adding clips to a manifest keeps a chosen clip chosen unless
// a new clip ranks before it.

import Seeding

public enum GallerySample {
    public static func choose(_ clips: [ClipRow], seed: Int64, count: Int) -> [ClipRow] {
        guard count > 0 else { return [] }
        let ranked = clips.filter { $0.state == "done" }
            .map { (key: SeededGenerator.derive(seed: seed, "gallery", String($0.id)), clip: $0) }
            .sorted { $0.key < $1.key }
        return ranked.prefix(count).map(\.clip).sorted { $0.id < $1.id }
    }
}
