using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DxyqOpenData.Api.Imports;

/// <summary>A file that cannot be imported at all; <see cref="Status"/> is 400 (not a table) or 422 (a table of the wrong shape).</summary>
public sealed class ImportFileException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
