namespace Workbook.Deployment;

/// <summary>A <see cref="MicroBatcher{TRow, TResult}"/> refused a submission: its queue is full or it is shutting down.</summary>
public sealed class MicroBatcherFullException(string message) : Exception(message);
