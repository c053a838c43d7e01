// The JSON documents stages pass along as text (teacher and quality metadata, a
// sample's `meta`), read back as objects.

import Foundation

/// The JSON object in `text`; empty when the text is not a JSON object.
func jsonObject(_ text: String) -> [String: Any] {
    ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
}
