from azureml.core import Run

run = Run.get_context()
for c, child in enumerate(run.create_children(count=5)):
    child.log(name="Hello from child run ", value=c)
    child.complete()
