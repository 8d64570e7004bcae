namespace Workbook.Notebook;

/// <summary>
/// One group of points for <see cref="Charts.Scatter"/> (introduced in chapter 12): a name for the legend, the points,
/// a colour number (series that share it share a colour, e.g. one class's images and its captions), and whether the
/// points are drawn large, as diamonds (to set a few points apart from many).
/// </summary>
/// <param name="Name">Legend entry.</param>
/// <param name="X">x coordinates.</param>
/// <param name="Y">y coordinates, as many as <paramref name="X"/>.</param>
/// <param name="Colour">Index into a palette of ten distinct colours (taken modulo 10).</param>
/// <param name="Emphasised">Draw large diamonds instead of small, half-transparent dots.</param>
/// <param name="Labels">Optional text per point, shown when the pointer is over it.</param>
public sealed record ScatterSeries(
    string Name,
    IReadOnlyList<double> X,
    IReadOnlyList<double> Y,
    int Colour,
    bool Emphasised = false,
    IReadOnlyList<string>? Labels = null
);
