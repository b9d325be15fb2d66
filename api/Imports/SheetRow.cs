using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace DxyqOpenData.Api.Imports;

/// <summary>One data row: its spreadsheet row number (the header is row 1) and its cells by column position.</summary>
public sealed record SheetRow(int Number, IReadOnlyList<string> Cells);
