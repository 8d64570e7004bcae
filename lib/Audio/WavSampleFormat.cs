namespace Workbook.Audio;

/// <summary>How <see cref="WavFile.Write"/> stores samples. Introduced with chapter 13.</summary>
public enum WavSampleFormat
{
    /// <summary>8-bit unsigned integer PCM.</summary>
    Pcm8,

    /// <summary>16-bit signed integer PCM (the common default).</summary>
    Pcm16,

    /// <summary>24-bit signed integer PCM.</summary>
    Pcm24,

    /// <summary>32-bit signed integer PCM.</summary>
    Pcm32,

    /// <summary>32-bit IEEE float.</summary>
    Float32,

    /// <summary>64-bit IEEE float.</summary>
    Float64,
}
