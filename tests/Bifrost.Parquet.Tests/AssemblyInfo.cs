namespace Bifrost.Parquet.Tests;
