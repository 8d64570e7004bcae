namespace Workbook.Distributed;

/// <summary>
/// An MPI call returned an error code: the message names the call and Open MPI's text for the code. Introduced with chapter 17.
/// </summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errorCode"/>.</summary>
    public MpiException(string call, int errorCode, string errorText)
        : base($"{call} failed with MPI error {errorCode}: {errorText}")
    {
        Call = call;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed, e.g. <c>MPI_Allreduce</c>.</summary>
    public string Call { get; }

    /// <summary>The MPI error code it returned.</summary>
    public int ErrorCode { get; }

    /// <summary>Throws an <see cref="MpiException"/> unless <paramref name="code"/> is <c>MPI_SUCCESS</c>.</summary>
    internal static void Check(int code, string call)
    {
        if (code != MpiNative.Success)
            throw new MpiException(call, code, MpiNative.ErrorText(code));
    }
}
