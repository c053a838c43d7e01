// A path or argument as it must be typed in a POSIX shell, for the commands the engine
// prints for the user to run: left as it is when it holds only safe characters, else in
// single quotes (a single quote inside written as '\'').

enum ShellWord {
    static func quote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "-_./=:,+@%".unicodeScalars.contains(c)
        }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `pseudotrack` and the arguments, each quoted as needed.
    static func command(_ arguments: [String]) -> String { (["pseudotrack"] + arguments.map(quote)).joined(separator: " ") }
}
