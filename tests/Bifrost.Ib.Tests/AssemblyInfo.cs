namespace Bifrost.Ib.Tests;
