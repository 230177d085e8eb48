# tests/data/ — generators for test GeoIP databases
