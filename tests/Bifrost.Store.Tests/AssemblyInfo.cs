namespace Bifrost.Store.Tests;
