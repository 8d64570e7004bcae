namespace Workbook.Multimodal;

/// <summary>How a <see cref="ClipModel"/>'s text encoder turns one vector per token into one vector per caption (introduced in chapter
/// 12).</summary>
public enum TextPooling
{
    /// <summary>The average of the real (not padding) tokens' last hidden states.</summary>
    Mean,

    /// <summary>The last hidden state of the first token, [CLS].</summary>
    Cls,
}
