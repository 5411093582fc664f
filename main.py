from source_freshdesk.run import run

if __name__ == "__main__":
    run()
