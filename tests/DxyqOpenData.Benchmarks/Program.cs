// Benchmarks for the performance targets of the issues; see tests/DxyqOpenData.Benchmarks/README.md.
Console.WriteLine("usage: dotnet run -c Release --project tests/DxyqOpenData.Benchmarks -- <benchmark>");
return 2;
