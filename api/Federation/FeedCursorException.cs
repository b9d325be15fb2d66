using System.Linq.Expressions;
using System.Security.Cryptography;

namespace DxyqOpenData.Api.Federation;

/// <summary>A change feed cursor this node cannot read (changed, foreign, garbage): 400.</summary>
public sealed class FeedCursorException(string message) : Exception(message);
