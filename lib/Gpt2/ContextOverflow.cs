namespace Workbook.Gpt2;

/// <summary>What generation does when prompt + new tokens would exceed the model's context (<c>n_positions</c>).</summary>
public enum ContextOverflow
{
    /// <summary>Refuse, with an error naming the lengths (the default).</summary>
    Throw,
    /// <summary>Drop the oldest prompt tokens so that prompt + new tokens fit exactly; the result starts with the kept prompt.</summary>
    TruncateLeft,
}
