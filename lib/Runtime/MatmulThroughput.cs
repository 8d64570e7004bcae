using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Runtime;

/// <summary>A timed square float32 matrix product: the quickest honest check that libtorch computes at speed. Introduced in chapter
/// 00.</summary>
/// <param name="Size">The matrices are Size × Size.</param>
/// <param name="Repeats">How many products were timed (after one untimed warm-up).</param>
/// <param name="Seconds">Median seconds per product.</param>
/// <param name="Device">Where it ran.</param>
public sealed record MatmulThroughput(int Size, int Repeats, double Seconds, string Device)
{
    /// <summary>Billions of floating-point operations per second: a product of two n×n matrices is 2n³ FLOPs.</summary>
    public double GigaFlops => 2.0 * Size * Size * Size / Seconds / 1e9;

    /// <summary>Times <paramref name="repeats"/> products of two random <paramref name="size"/>² matrices.</summary>
    /// <param name="size">Matrix side, 16 to 16384.</param>
    /// <param name="repeats">Timed repetitions, 1 to 1000.</param>
    /// <param name="device">Where to compute; the CPU when null.</param>
    public static MatmulThroughput Measure(int size = 512, int repeats = 10, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 16384);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repeats, 1000);
        device ??= CPU;
        using var scope = NewDisposeScope();
        var a = rand(size, size, device: device);
        var b = rand(size, size, device: device);
        var times = new double[repeats];
        Synchronize(device, matmul(a, b)); // warm-up: first call allocates and picks kernels
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            Synchronize(device, matmul(a, b));
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return new(size, repeats, times[repeats / 2], device.ToString());
    }

    private static void Synchronize(Device device, Tensor result)
    {
        // CUDA launches are asynchronous; reading one element waits for the product to finish.
        if (device.type == DeviceType.CUDA)
            result[0, 0].item<float>();
        result.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Size}×{Size} float32 matmul on {Device}: {Seconds * 1e3:F3} ms, {GigaFlops:F1} GFLOP/s (median of {Repeats})";
}
