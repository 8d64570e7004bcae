namespace Workbook.Audio;

/// <summary>The formula mapping hertz to mels (torchaudio's <c>mel_scale</c>).</summary>
public enum MelScale
{
    /// <summary>HTK: mel = 2595 · log10(1 + f / 700). torchaudio's default.</summary>
    Htk,
    /// <summary>Slaney (librosa's default): linear below 1 kHz (f · 3 / 200), logarithmic above (27 mels per factor 6.4).</summary>
    Slaney,
}
