using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Text;

namespace DxyqOpenData.Federation;

public sealed record OrderClause(string Property, bool Descending);
