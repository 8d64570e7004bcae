namespace Workbook.Multimodal;

/// <summary>One caption of an image class (introduced in chapter 12): the class's label and name, and the text.</summary>
public sealed record Caption(int Label, string ClassName, string Text);
