namespace Workbook.Distributed;

/// <summary>How an allreduce combines the ranks' values, element by element.</summary>
public enum ReduceOperation
{
    /// <summary>The sum over ranks (<c>MPI_SUM</c>): gradient averaging divides it afterwards.</summary>
    Sum,

    /// <summary>The largest value over ranks (<c>MPI_MAX</c>).</summary>
    Max,

    /// <summary>The smallest value over ranks (<c>MPI_MIN</c>).</summary>
    Min,
}
