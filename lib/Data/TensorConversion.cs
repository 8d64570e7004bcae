using static TorchSharp.torch;

namespace Workbook.Data;

/// <summary>
/// Conversions between the .NET arrays the data helpers compute in (double, for sklearn-equal arithmetic) and TorchSharp tensors.
/// Introduced in chapter 03.
/// </summary>
public static class TensorConversion
{
    /// <summary>A float32 tensor [rows, columns] holding <paramref name="values"/>.</summary>
    public static Tensor ToFloat32(double[,] values, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0),
            columns = values.GetLength(1);
        var flat = new float[rows * columns];
        for (var r = 0; r < rows; r++)
        for (var c = 0; c < columns; c++)
            flat[r * columns + c] = (float)values[r, c];
        return tensor(flat, [rows, columns], dtype: ScalarType.Float32, device: device);
    }

    /// <summary>A float32 tensor [length] holding <paramref name="values"/>.</summary>
    public static Tensor ToFloat32(double[] values, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return tensor(values.Select(v => (float)v).ToArray(), dtype: ScalarType.Float32, device: device);
    }
}
