from spinecare.cli.main import main

main()
