/// The median of timed runs (the upper middle value of an even count), as the benchmarks
/// report them: machines are shared and noisy, and one slow run should not move the figure.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
